namespace Nvo3.Packets.Tests;

/// <summary>A sink that records, in order, every frame a <see cref="TcpCoalescer"/> releases (copied: the coalescer reuses its memory).</summary>
internal sealed class DeliveredFrames : ICoalescedFrameSink
{
    public List<(int Stream, VirtioNetHeader Header, byte[] Frame)> Frames { get; } = [];

    public void Deliver(int stream, in VirtioNetHeader header, ReadOnlySpan<byte> frame) => Frames.Add((stream, header, frame.ToArray()));

    /// <summary>Adds every frame (IP header at <paramref name="networkOffset"/>) to <paramref name="coalescer"/> and flushes it.</summary>
    public static DeliveredFrames Run(TcpCoalescer coalescer, IEnumerable<byte[]> frames, int networkOffset = EthernetFrame.HeaderLength, int stream = 0)
    {
        var sink = new DeliveredFrames();
        foreach (var frame in frames)
        {
            coalescer.Add(frame, networkOffset, stream, ref sink);
        }
        coalescer.Flush(ref sink);
        return sink;
    }
}
