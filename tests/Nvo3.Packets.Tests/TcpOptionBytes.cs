using System.Buffers.Binary;

namespace Nvo3.Packets.Tests;

/// <summary>
/// Builds the option bytes of a TCP header the way Linux lays out a SYN: MSS, SACK-permitted,
/// timestamps, NOP, window scale. Nvo3 has no option writer; the connection tracker only reads them.
/// </summary>
internal static class TcpOptionBytes
{
    public const byte KindEnd = 0;
    public const byte KindNop = 1;
    public const byte KindMss = 2;
    public const byte KindWindowScale = 3;
    public const byte KindSackPermitted = 4;
    public const byte KindTimestamps = 8;

    public static byte[] Syn(ushort? mss, byte? windowScale, bool sackPermitted, (uint Value, uint EchoReply)? timestamps)
    {
        var options = new List<byte>(40);
        if (mss is { } m)
        {
            options.AddRange([KindMss, 4, (byte)(m >> 8), (byte)m]);
        }
        if (sackPermitted)
        {
            options.AddRange([KindSackPermitted, 2]);
        }
        if (timestamps is { } ts)
        {
            var bytes = new byte[10];
            bytes[0] = KindTimestamps;
            bytes[1] = 10;
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(2), ts.Value);
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(6), ts.EchoReply);
            options.AddRange(bytes);
        }
        if (windowScale is { } ws)
        {
            options.AddRange([KindNop, KindWindowScale, 3, ws]);
        }
        return [.. options];
    }
}
