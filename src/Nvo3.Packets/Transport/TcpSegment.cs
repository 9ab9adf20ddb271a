using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>
/// A view of a TCP segment (RFC 9293): enough to track and migrate a connection (ports, sequence
/// and acknowledgement numbers, flags, window, and the MSS, window-scale, SACK-permitted and
/// timestamp options).
/// </summary>
public readonly ref struct TcpSegment
{
    /// <summary>Bytes of a header without options.</summary>
    public const int MinHeaderLength = 20;

    private readonly ReadOnlySpan<byte> _data;

    private TcpSegment(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>Reads a segment; refuses a data offset under 5 words or beyond the data, and malformed options.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out TcpSegment segment, out PacketError error)
    {
        segment = default;
        if (data.Length < MinHeaderLength)
        {
            error = PacketError.Truncated;
            return false;
        }
        int headerLength = (data[12] >> 4) * 4;
        if (headerLength < MinHeaderLength)
        {
            error = PacketError.BadLength;
            return false;
        }
        if (headerLength > data.Length)
        {
            error = PacketError.Truncated;
            return false;
        }
        var options = data[MinHeaderLength..headerLength];
        if (!OptionsAreWellFormed(options))
        {
            error = PacketError.BadOption;
            return false;
        }
        segment = new TcpSegment(data);
        error = PacketError.None;
        return true;
    }

    /// <summary>The segment, header and payload.</summary>
    public ReadOnlySpan<byte> Bytes => _data;

    /// <summary>Source port.</summary>
    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_data);

    /// <summary>Destination port.</summary>
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_data[2..]);

    /// <summary>Sequence number.</summary>
    public uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(_data[4..]);

    /// <summary>Acknowledgement number.</summary>
    public uint AcknowledgmentNumber => BinaryPrimitives.ReadUInt32BigEndian(_data[8..]);

    /// <summary>Header length in bytes.</summary>
    public int HeaderLength => (_data[12] >> 4) * 4;

    /// <summary>Flags.</summary>
    public TcpFlags Flags => (TcpFlags)_data[13];

    /// <summary>Receive window (unscaled).</summary>
    public ushort Window => BinaryPrimitives.ReadUInt16BigEndian(_data[14..]);

    /// <summary>Checksum as sent.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_data[16..]);

    /// <summary>Urgent pointer.</summary>
    public ushort UrgentPointer => BinaryPrimitives.ReadUInt16BigEndian(_data[18..]);

    /// <summary>The option bytes.</summary>
    public ReadOnlySpan<byte> Options => _data[MinHeaderLength..HeaderLength];

    /// <summary>The payload.</summary>
    public ReadOnlySpan<byte> Payload => _data[HeaderLength..];

    /// <summary>True when the checksum verifies under the pseudo-header.</summary>
    public bool IsChecksumValid(IpAddr source, IpAddr destination) =>
        Packets.Checksum.VerifyTransport(source, destination, IpProtocol.Tcp, _data);

    /// <summary>The maximum segment size option, if present.</summary>
    public bool TryGetMss(out ushort mss)
    {
        mss = 0;
        if (FindOption(Options, 2, 4, out var value))
        {
            mss = BinaryPrimitives.ReadUInt16BigEndian(value);
            return true;
        }
        return false;
    }

    /// <summary>The window-scale shift option, if present.</summary>
    public bool TryGetWindowScale(out byte shift)
    {
        shift = 0;
        if (FindOption(Options, 3, 3, out var value))
        {
            shift = value[0];
            return true;
        }
        return false;
    }

    /// <summary>True when the SACK-permitted option is present.</summary>
    public bool SackPermitted => FindOption(Options, 4, 2, out _);

    /// <summary>The timestamps option (TSval, TSecr), if present.</summary>
    public bool TryGetTimestamps(out uint value, out uint echoReply)
    {
        value = echoReply = 0;
        if (FindOption(Options, 8, 10, out var data))
        {
            value = BinaryPrimitives.ReadUInt32BigEndian(data);
            echoReply = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
            return true;
        }
        return false;
    }

    private static bool FindOption(ReadOnlySpan<byte> options, byte kind, int length, out ReadOnlySpan<byte> value)
    {
        value = default;
        int i = 0;
        while (i < options.Length)
        {
            byte k = options[i];
            if (k == 0)
            {
                return false;
            }
            if (k == 1)
            {
                i++;
                continue;
            }
            int len = options[i + 1];
            if (k == kind && len == length)
            {
                value = options.Slice(i + 2, len - 2);
                return true;
            }
            i += len;
        }
        return false;
    }

    private static bool OptionsAreWellFormed(ReadOnlySpan<byte> options)
    {
        int i = 0;
        while (i < options.Length)
        {
            byte kind = options[i];
            if (kind == 0)
            {
                return true;
            }
            if (kind == 1)
            {
                i++;
                continue;
            }
            if (i + 1 >= options.Length)
            {
                return false;
            }
            int len = options[i + 1];
            if (len < 2 || i + len > options.Length)
            {
                return false;
            }
            i += len;
        }
        return true;
    }
}
