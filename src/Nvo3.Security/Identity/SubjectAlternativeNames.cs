using System.Formats.Asn1;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Nvo3.Security;

/// <summary>
/// The subject alternative names of our certificates: one URI (the identity) and any number of
/// DNS names and IP addresses (where a client checks a server by host name). Reads the URIs the
/// framework does not enumerate, from the extension's DER; writes with the framework's builder.
/// </summary>
internal static class SubjectAlternativeNames
{
    /// <summary>The extension's object identifier (RFC 5280 section 4.2.1.6).</summary>
    public const string Oid = "2.5.29.17";

    // GeneralName ::= CHOICE { ... uniformResourceIdentifier [6] IA5String ... }
    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    /// <summary>The URIs in a DER subject alternative name extension; false with the reason when it is malformed. Never throws.</summary>
    public static bool TryReadUris(ReadOnlyMemory<byte> extension, out List<string> uris, out string? error)
    {
        uris = [];
        try
        {
            var reader = new AsnReader(extension, AsnEncodingRules.DER);
            var names = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            while (names.HasData)
            {
                if (names.PeekTag() == UriTag)
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, UriTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
            error = null;
            return true;
        }
        catch (AsnContentException ex)
        {
            error = $"its subject alternative names are malformed ({ex.Message})";
            return false;
        }
    }

    /// <summary>
    /// The extension for <paramref name="identity"/> and the <c>--san</c> values: each an IP
    /// address (IPv4 dotted quad or IPv6), else a DNS name. Throws <see cref="ArgumentException"/>
    /// naming a value that is neither.
    /// </summary>
    public static X509Extension Build(PeerIdentity identity, IEnumerable<string> hostsOrAddresses)
    {
        var builder = new SubjectAlternativeNameBuilder();
        builder.AddUri(identity.ToUri());
        foreach (string value in hostsOrAddresses)
        {
            if (TryParseAddress(value, out var address))
            {
                builder.AddIpAddress(address);
            }
            else
            {
                builder.AddDnsName(value);
            }
        }
        return builder.Build(critical: false);
    }

    /// <summary>Checks one <c>--san</c> value; throws <see cref="ArgumentException"/> saying what to write.</summary>
    public static void Validate(string value)
    {
        if (!TryParseAddress(value, out _) && !IsDnsName(value))
        {
            throw new ArgumentException($"--san '{value}' is neither an IP address (192.0.2.1, 2001:db8::1) nor a DNS name (nva1.example.net).", nameof(value));
        }
    }

    /// <summary>
    /// An IP address written in full: IPv6 (with ':', no zone) or IPv4 as four decimal parts. The
    /// framework's parser also takes "1" or "1.2" as IPv4, which is not what someone means by a SAN.
    /// </summary>
    public static bool TryParseAddress(string value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (value.Contains(':', StringComparison.Ordinal))
        {
            return !value.Contains('%', StringComparison.Ordinal) && IPAddress.TryParse(value, out address) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }
        var parts = value.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit)) && IPAddress.TryParse(value, out address);
    }

    /// <summary>A host name as RFC 1123 allows, whose last label is not all digits (that would be an IP address).</summary>
    public static bool IsDnsName(string value)
    {
        if (value.Length is 0 or > 253)
        {
            return false;
        }
        var labels = value.Split('.');
        foreach (string label in labels)
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }
        return !labels[^1].All(char.IsAsciiDigit);
    }
}
