namespace Nvo3.Packets;

/// <summary>
/// Where <see cref="TcpCoalescer"/> hands the frames it releases, in the order a TAP should see
/// them within each flow. A struct (or ref struct) sink passed by reference costs no allocation
/// and no interface call.
/// </summary>
public interface ICoalescedFrameSink
{
    /// <summary>
    /// Takes one frame: a super-frame the coalescer built (<paramref name="header"/> asks for GSO and
    /// a checksum completion), or a frame it passed through unchanged (<see cref="VirtioNetHeader.None"/>).
    /// <paramref name="frame"/> is valid only during the call: the coalescer reuses its memory.
    /// </summary>
    void Deliver(int stream, in VirtioNetHeader header, ReadOnlySpan<byte> frame);
}
