using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Nvo3.Packets;

/// <summary>
/// An IPv4 or IPv6 address as a value: 128 bits and a family flag. Unlike
/// <see cref="IPAddress"/> it never allocates, so tables on the data path key on it.
/// </summary>
public readonly struct IpAddr : IEquatable<IpAddr>, IComparable<IpAddr>, ISpanFormattable
{
    private static readonly UInt128 SolicitedNodePrefix = new(0xFF02_0000_0000_0000, 0x0000_0001_FF00_0000);

    private readonly UInt128 _value;
    private readonly bool _isV6;

    private IpAddr(UInt128 value, bool isV6)
    {
        _value = value;
        _isV6 = isV6;
    }

    /// <summary>An IPv4 address from its 32-bit value (network order as a number: 10.0.0.1 is 0x0A000001).</summary>
    public static IpAddr FromV4(uint value) => new(value, false);

    /// <summary>An IPv6 address from its 128-bit value.</summary>
    public static IpAddr FromV6(UInt128 value) => new(value, true);

    /// <summary>Reads four bytes of an IPv4 address.</summary>
    public static IpAddr ReadV4(ReadOnlySpan<byte> bytes) => FromV4(BinaryPrimitives.ReadUInt32BigEndian(bytes));

    /// <summary>Reads sixteen bytes of an IPv6 address.</summary>
    public static IpAddr ReadV6(ReadOnlySpan<byte> bytes) => FromV6(BinaryPrimitives.ReadUInt128BigEndian(bytes));

    /// <summary>0.0.0.0.</summary>
    public static IpAddr V4Any => FromV4(0);

    /// <summary>::.</summary>
    public static IpAddr V6Any => FromV6(UInt128.Zero);

    /// <summary>ff02::1, all nodes on the link.</summary>
    public static IpAddr V6AllNodes => FromV6(new UInt128(0xFF02_0000_0000_0000, 1));

    /// <summary>True for IPv6.</summary>
    public bool IsV6 => _isV6;

    /// <summary>True for IPv4.</summary>
    public bool IsV4 => !_isV6;

    /// <summary>The IPv4 value (0 for IPv6 addresses).</summary>
    public uint V4Value => _isV6 ? 0 : (uint)_value;

    /// <summary>The IPv6 value (the IPv4 value, zero-extended, for IPv4 addresses).</summary>
    public UInt128 V6Value => _value;

    /// <summary>Bytes on the wire: 4 or 16.</summary>
    public int ByteLength => _isV6 ? 16 : 4;

    /// <summary>Address width in bits: 32 or 128.</summary>
    public int BitLength => _isV6 ? 128 : 32;

    /// <summary>The address family.</summary>
    public AddressFamily Family => _isV6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    /// <summary>0.0.0.0 or ::.</summary>
    public bool IsUnspecified => _value == UInt128.Zero;

    /// <summary>224.0.0.0/4 or ff00::/8.</summary>
    public bool IsMulticast => _isV6 ? (_value >> 120) == 0xFF : ((uint)_value >> 28) == 0xE;

    /// <summary>fe80::/10.</summary>
    public bool IsV6LinkLocal => _isV6 && (_value >> 118) == (0xFE80 >> 6);

    /// <summary>ff02::1:ff00:0/104, a solicited-node multicast group.</summary>
    public bool IsV6SolicitedNodeMulticast => _isV6 && (_value & ~(UInt128)0xFF_FFFF) == SolicitedNodePrefix;

    /// <summary>The IPv6 solicited-node multicast address of this address (RFC 4291: ff02::1:ff00:0/104 and the low 24 bits).</summary>
    public IpAddr SolicitedNodeMulticast()
    {
        if (!_isV6)
        {
            ThrowHelper.ThrowArgument("this", "Only IPv6 addresses have a solicited-node multicast address.");
        }
        return FromV6(SolicitedNodePrefix | (_value & 0xFF_FFFF));
    }

    /// <summary>Writes the 4 or 16 bytes into <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (_isV6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(destination, _value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_value);
        }
    }

    /// <summary>Converts to <see cref="IPAddress"/> (allocates; not for the data path).</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        WriteTo(bytes);
        return new IPAddress(bytes[..ByteLength]);
    }

    /// <summary>Converts from <see cref="IPAddress"/>; IPv4-mapped IPv6 addresses stay IPv6.</summary>
    public static IpAddr FromIPAddress(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int written))
        {
            ThrowHelper.ThrowArgument(nameof(address), "The address does not fit 16 bytes.");
        }
        return written == 4 ? ReadV4(bytes) : ReadV6(bytes);
    }

    /// <summary>Parses a dotted quad or textual IPv6 notation (see <see cref="TryParse"/>).</summary>
    public static IpAddr Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not an IPv4 or IPv6 address.");

    /// <summary>
    /// Parses a dotted quad ("10.0.0.1": four decimal numbers 0–255 without leading zeros) or
    /// textual IPv6 notation without brackets, port or zone; false when malformed.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out IpAddr address)
    {
        address = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        if (!text.Contains(':'))
        {
            return TryParseDottedQuad(text, out address);
        }
        // IPAddress also accepts "[::1]:80" (dropping the port) and "fe80::1%eth0"; an address
        // in Nvo3's configuration and API has neither.
        if (text.AsSpan().IndexOfAny('[', ']', '%') >= 0
            || !IPAddress.TryParse(text, out var parsed)
            || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }
        address = FromIPAddress(parsed);
        return true;
    }

    // IPAddress reads "10.1" as 10.0.0.1, "010.0.0.1" as octal 8.0.0.1 and "0x0a.0.0.1" as hex;
    // operators and tenants mean four decimal numbers, so anything else is refused.
    private static bool TryParseDottedQuad(ReadOnlySpan<char> text, out IpAddr address)
    {
        address = default;
        uint value = 0;
        int at = 0;
        for (int part = 0; part < 4; part++)
        {
            if (part > 0)
            {
                if (at >= text.Length || text[at] != '.')
                {
                    return false;
                }
                at++;
            }
            int start = at;
            int number = 0;
            while (at < text.Length && char.IsAsciiDigit(text[at]) && at - start < 3)
            {
                number = (number * 10) + (text[at] - '0');
                at++;
            }
            int digits = at - start;
            if (digits == 0 || number > 255 || (digits > 1 && text[start] == '0'))
            {
                return false;
            }
            value = (value << 8) | (uint)number;
        }
        if (at != text.Length)
        {
            return false;
        }
        address = FromV4(value);
        return true;
    }

    /// <inheritdoc />
    public bool Equals(IpAddr other) => _value == other._value && _isV6 == other._isV6;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is IpAddr other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_value, _isV6);

    /// <summary>IPv4 sorts before IPv6; within a family, numerically.</summary>
    public int CompareTo(IpAddr other) => _isV6 != other._isV6 ? (_isV6 ? 1 : -1) : _value.CompareTo(other._value);

    /// <summary>Equality.</summary>
    public static bool operator ==(IpAddr left, IpAddr right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(IpAddr left, IpAddr right) => !left.Equals(right);

    /// <summary>Numeric order, IPv4 first.</summary>
    public static bool operator <(IpAddr left, IpAddr right) => left.CompareTo(right) < 0;

    /// <summary>Numeric order, IPv4 first.</summary>
    public static bool operator >(IpAddr left, IpAddr right) => left.CompareTo(right) > 0;

    /// <summary>Numeric order, IPv4 first.</summary>
    public static bool operator <=(IpAddr left, IpAddr right) => left.CompareTo(right) <= 0;

    /// <summary>Numeric order, IPv4 first.</summary>
    public static bool operator >=(IpAddr left, IpAddr right) => left.CompareTo(right) >= 0;

    /// <summary>Standard notation (RFC 5952 for IPv6).</summary>
    public override string ToString() => ToIPAddress().ToString();

    /// <inheritdoc />
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc />
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        ToIPAddress().TryFormat(destination, out charsWritten);
}
