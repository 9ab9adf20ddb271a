namespace Nvo3.Packets;

/// <summary>
/// What <see cref="TcpSegmenter.TrySegment"/> wrote: <see cref="Count"/> datagrams back to back,
/// each a prefix and a segment; every one but the last exactly <see cref="Stride"/> bytes long,
/// the last at most that. This is the layout one <c>sendmsg</c> with <c>UDP_SEGMENT</c> =
/// <see cref="Stride"/> sends as <see cref="Count"/> datagrams.
/// </summary>
/// <param name="Count">Datagrams written (at least 1).</param>
/// <param name="Stride">Bytes of every datagram but the last (the UDP GSO segment size); for a single datagram, its length.</param>
/// <param name="Length">Bytes written in all.</param>
public readonly record struct SegmentationResult(int Count, int Stride, int Length)
{
    /// <summary>Bytes of the last datagram.</summary>
    public int LastLength => Length - ((Count - 1) * Stride);

    /// <summary>Where datagram <paramref name="index"/> starts in the destination.</summary>
    public int Offset(int index) => index * Stride;

    /// <summary>Bytes of datagram <paramref name="index"/>.</summary>
    public int DatagramLength(int index) => index == Count - 1 ? LastLength : Stride;
}
