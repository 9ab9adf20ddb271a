using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Nvo3.Packets;

/// <summary>An IPv4 or IPv6 prefix ("10.0.0.0/24", "fd00::/64") with its host bits cleared.</summary>
public readonly record struct IpPrefix
{
    /// <summary>Creates a prefix; host bits of <paramref name="address"/> are cleared.</summary>
    public IpPrefix(IpAddr address, int length)
    {
        if (length < 0 || length > address.BitLength)
        {
            ThrowHelper.ThrowArgument(nameof(length), $"A prefix length must be between 0 and {address.BitLength}.");
        }
        Length = length;
        Address = Mask(address, length);
    }

    /// <summary>The network address (host bits zero).</summary>
    public IpAddr Address { get; }

    /// <summary>The number of leading bits that are fixed.</summary>
    public int Length { get; }

    /// <summary>True when <paramref name="address"/> is of the same family and within the prefix.</summary>
    public bool Contains(IpAddr address) =>
        address.IsV6 == Address.IsV6 && Mask(address, Length) == Address;

    /// <summary>Parses "ADDRESS/LENGTH".</summary>
    public static IpPrefix Parse(string text) =>
        TryParse(text, out var prefix, out var why) ? prefix : throw new FormatException(why);

    /// <summary>Parses "ADDRESS/LENGTH"; on failure <paramref name="why"/> says what to fix.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out IpPrefix prefix, [NotNullWhen(false)] out string? why)
    {
        prefix = default;
        int slash = text?.IndexOf('/') ?? -1;
        if (text is null || slash <= 0)
        {
            why = $"'{text}' is not a CIDR prefix; write ADDRESS/LENGTH, like 10.0.0.0/24 or fd00::/64.";
            return false;
        }
        if (!IpAddr.TryParse(text[..slash], out var address))
        {
            why = $"'{text}': '{text[..slash]}' is not an IPv4 or IPv6 address.";
            return false;
        }
        if (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int length) || length > address.BitLength)
        {
            why = $"'{text}': the prefix length must be a number from 0 to {address.BitLength}.";
            return false;
        }
        prefix = new IpPrefix(address, length);
        why = null;
        return true;
    }

    /// <summary>"ADDRESS/LENGTH".</summary>
    public override string ToString() => $"{Address}/{Length.ToString(CultureInfo.InvariantCulture)}";

    private static IpAddr Mask(IpAddr address, int length)
    {
        if (address.IsV6)
        {
            UInt128 mask = length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);
            return IpAddr.FromV6(address.V6Value & mask);
        }
        uint mask4 = length == 0 ? 0u : uint.MaxValue << (32 - length);
        return IpAddr.FromV4(address.V4Value & mask4);
    }
}
