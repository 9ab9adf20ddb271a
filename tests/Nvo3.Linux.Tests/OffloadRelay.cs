using System.Runtime.Versioning;
using Nvo3.Nve;
using Nvo3.Packets;

namespace Nvo3.Linux.Tests;

/// <summary>
/// The NVE's offloaded data path without the tunnel: super-frames read from one TAP are cut into
/// segments (software GSO) and merged again (software GRO) into super-frames written to another,
/// with the counts a test checks.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class OffloadRelay(TapPort source, TapPort target) : ICoalescedFrameSink
{
    private readonly byte[] _segments = new byte[256 << 10];
    private readonly TcpCoalescer _coalescer = new();

    public int SuperFramesRead { get; private set; }

    public int LargestGsoSize { get; private set; }

    public int SuperFramesWritten { get; private set; }

    public int Refusals { get; private set; }

    /// <summary>Relays on a thread of its own until <paramref name="cancellationToken"/> is cancelled or the source closes.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => Task.Factory.StartNew(() =>
    {
        var batch = new SuperFrameBatch();
        var sink = this;
        try
        {
            while (source.Receive(batch, cancellationToken) > 0)
            {
                for (int i = 0; i < batch.Count; i++)
                {
                    var header = batch.Header(i);
                    if (header.IsGso)
                    {
                        SuperFramesRead++;
                        LargestGsoSize = Math.Max(LargestGsoSize, header.GsoSize);
                    }
                    if (!TcpSegmenter.TrySegment(batch.Frame(i), header, _segments, [], keepLinkHeader: true, out var result, out _))
                    {
                        Refusals++;
                        continue;
                    }
                    for (int k = 0; k < result.Count; k++)
                    {
                        _coalescer.Add(_segments.AsSpan(result.Offset(k), result.DatagramLength(k)), EthernetFrame.HeaderLength, 0, ref sink);
                    }
                }
                _coalescer.Flush(ref sink);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public void Deliver(int stream, in VirtioNetHeader header, ReadOnlySpan<byte> frame)
    {
        SuperFramesWritten += header.IsGso ? 1 : 0;
        target.Send(header, frame);
    }
}
