using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Nvo3.Packets;

/// <summary>
/// A 48-bit IEEE MAC address held in the low 48 bits of a <see cref="ulong"/>, so that it can be
/// compared, hashed and used as a dictionary key without allocating.
/// </summary>
public readonly struct MacAddress : IEquatable<MacAddress>, IComparable<MacAddress>, ISpanFormattable
{
    /// <summary>The number of bytes of a MAC address on the wire.</summary>
    public const int Length = 6;

    private const ulong Mask = 0xFFFF_FFFF_FFFF;
    private readonly ulong _value;

    /// <summary>Creates an address from the low 48 bits of <paramref name="value"/>.</summary>
    public MacAddress(ulong value) => _value = value & Mask;

    /// <summary>Reads an address from the first six bytes of <paramref name="bytes"/>.</summary>
    public MacAddress(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Length)
        {
            ThrowHelper.ThrowArgumentTooShort(nameof(bytes), Length);
        }
        _value = ((ulong)BinaryPrimitives.ReadUInt16BigEndian(bytes) << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes[2..]);
    }

    /// <summary>ff:ff:ff:ff:ff:ff.</summary>
    public static MacAddress Broadcast => new(Mask);

    /// <summary>00:00:00:00:00:00.</summary>
    public static MacAddress Zero => default;

    /// <summary>The address as a 48-bit number.</summary>
    public ulong Value => _value;

    /// <summary>True for ff:ff:ff:ff:ff:ff.</summary>
    public bool IsBroadcast => _value == Mask;

    /// <summary>True when the group bit (least significant bit of the first byte) is set; broadcast included.</summary>
    public bool IsMulticast => (_value & 0x0100_0000_0000) != 0;

    /// <summary>True for an individual (unicast) address.</summary>
    public bool IsUnicast => !IsMulticast;

    /// <summary>True for 00:00:00:00:00:00.</summary>
    public bool IsZero => _value == 0;

    /// <summary>The Ethernet multicast address an IPv6 multicast address maps to (RFC 2464: 33:33 and the low 32 bits).</summary>
    public static MacAddress ForIPv6Multicast(IpAddr group) => new(0x3333_0000_0000UL | (uint)group.V6Value);

    /// <summary>Writes the six bytes into <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(_value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)_value);
    }

    /// <summary>Parses "02:00:00:00:00:01" (also with '-' separators).</summary>
    public static MacAddress Parse(string text) =>
        TryParse(text, out var mac) ? mac : throw new FormatException($"'{text}' is not a MAC address; write six hex bytes separated by ':', like 02:00:00:00:00:01.");

    /// <summary>Parses "02:00:00:00:00:01" (also with '-' separators); false when malformed.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out MacAddress mac)
    {
        mac = default;
        if (text is null || text.Length != 17)
        {
            return false;
        }
        ulong value = 0;
        for (int i = 0; i < 6; i++)
        {
            int at = i * 3;
            if (i > 0 && text[at - 1] != ':' && text[at - 1] != '-')
            {
                return false;
            }
            if (!byte.TryParse(text.AsSpan(at, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
            {
                return false;
            }
            value = (value << 8) | b;
        }
        mac = new MacAddress(value);
        return true;
    }

    /// <inheritdoc />
    public bool Equals(MacAddress other) => _value == other._value;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is MacAddress other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value.GetHashCode();

    /// <inheritdoc />
    public int CompareTo(MacAddress other) => _value.CompareTo(other._value);

    /// <summary>Equality.</summary>
    public static bool operator ==(MacAddress left, MacAddress right) => left._value == right._value;

    /// <summary>Inequality.</summary>
    public static bool operator !=(MacAddress left, MacAddress right) => left._value != right._value;

    /// <summary>Lowercase, colon-separated: 02:00:00:00:00:01.</summary>
    public override string ToString() => string.Create(17, _value, static (span, v) => Format(span, v));

    /// <inheritdoc />
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc />
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (destination.Length < 17)
        {
            charsWritten = 0;
            return false;
        }
        Format(destination, _value);
        charsWritten = 17;
        return true;
    }

    private static void Format(Span<char> span, ulong value)
    {
        const string hex = "0123456789abcdef";
        for (int i = 0; i < 6; i++)
        {
            int b = (int)(value >> (40 - (8 * i))) & 0xFF;
            span[i * 3] = hex[b >> 4];
            span[(i * 3) + 1] = hex[b & 0xF];
            if (i < 5)
            {
                span[(i * 3) + 2] = ':';
            }
        }
    }
}
