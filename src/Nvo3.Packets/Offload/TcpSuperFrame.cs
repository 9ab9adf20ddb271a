namespace Nvo3.Packets;

/// <summary>Where the parts of a TCP super-frame lie, as <see cref="TcpSegmenter"/> read them.</summary>
internal readonly ref struct TcpSuperFrame(bool v6, IpAddr source, IpAddr destination, int ipHeaderLength, int tcpAt, int tcpHeaderLength,
    ReadOnlySpan<byte> payload)
{
    public bool V6 { get; } = v6;

    public IpAddr Source { get; } = source;

    public IpAddr Destination { get; } = destination;

    public int IpHeaderLength { get; } = ipHeaderLength;

    /// <summary>Offset of the TCP header from the start of the frame.</summary>
    public int TcpAt { get; } = tcpAt;

    public int TcpHeaderLength { get; } = tcpHeaderLength;

    public ReadOnlySpan<byte> Payload { get; } = payload;
}
