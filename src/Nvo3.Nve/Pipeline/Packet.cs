namespace Nvo3.Nve;

/// <summary>
/// What one encapsulation carries, where it lies: an Ethernet frame (Layer 2, VXLAN) or an IP
/// packet (Layer 3, VXLAN-GPE) at <see cref="Offset"/> of a buffer owned by the loop that read it,
/// with at least <see cref="MinHeadroom"/> free bytes in front, so a tunnel header or an Ethernet
/// header is written in place instead of copying the packet.
/// </summary>
internal readonly struct Packet(byte[] buffer, int offset, int length)
{
    /// <summary>The least room in front of every packet: an Ethernet header (14) and more than a tunnel header (8).</summary>
    public const int MinHeadroom = 16;

    /// <summary>The buffer that holds it.</summary>
    public byte[] Buffer { get; } = buffer;

    /// <summary>Where it starts.</summary>
    public int Offset { get; } = offset;

    /// <summary>How long it is.</summary>
    public int Length { get; } = length;

    /// <summary>Its bytes.</summary>
    public Span<byte> Span => Buffer.AsSpan(Offset, Length);

    /// <summary>The <paramref name="header"/> bytes in front of it and the packet, as one span.</summary>
    public Span<byte> WithHeader(int header) => Buffer.AsSpan(Offset - header, header + Length);
}
