using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography.X509Certificates;

namespace Nvo3.Security;

/// <summary>
/// Who is at the other end of a channel: a role and a name, carried in a certificate as the URI
/// subject alternative name <c>nvo3://ROLE/NAME</c> (<c>nvo3://nve/h1</c>, <c>nvo3://nva/nva1</c>,
/// <c>nvo3://operator/alice</c>). The name follows <see cref="NameRule"/>, the NVA's rule for
/// names, so an NVE's identity names exactly the NVE the directory holds. Equal when role and
/// name are (names compare ordinally, as the directory does).
/// </summary>
public sealed record PeerIdentity
{
    /// <summary>The URI scheme of identities.</summary>
    public const string Scheme = "nvo3";

    private const string Prefix = Scheme + "://";

    /// <summary>An identity; throws <see cref="ArgumentException"/> when the name breaks <see cref="NameRule"/> or the role is unknown.</summary>
    public PeerIdentity(PeerRole role, string name)
    {
        if (!Enum.IsDefined(role))
        {
            throw new ArgumentException($"Role {(int)role} is not nva, nve or operator.", nameof(role));
        }
        if (!NameRule.IsValid(name))
        {
            throw new ArgumentException($"The name '{name}' must be {NameRule.Description}.", nameof(name));
        }
        Role = role;
        Name = name;
    }

    /// <summary>The role.</summary>
    public PeerRole Role { get; }

    /// <summary>The name (an NVE's name, an NVA replica's, an operator's).</summary>
    public string Name { get; }

    /// <summary>The identity of NVE <paramref name="name"/>.</summary>
    public static PeerIdentity Nve(string name) => new(PeerRole.Nve, name);

    /// <summary>The identity of NVA replica <paramref name="name"/>.</summary>
    public static PeerIdentity Nva(string name) => new(PeerRole.Nva, name);

    /// <summary>The identity of operator <paramref name="name"/>.</summary>
    public static PeerIdentity Operator(string name) => new(PeerRole.Operator, name);

    /// <summary>The role as written in identities and on the command line: nva, nve or operator.</summary>
    public static string RoleName(PeerRole role) => role switch
    {
        PeerRole.Nva => "nva",
        PeerRole.Nve => "nve",
        PeerRole.Operator => "operator",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown role."),
    };

    /// <summary>Parses nva, nve or operator (exactly, lower case); false otherwise.</summary>
    public static bool TryParseRole(string? text, out PeerRole role)
    {
        (bool ok, role) = text switch
        {
            "nva" => (true, PeerRole.Nva),
            "nve" => (true, PeerRole.Nve),
            "operator" => (true, PeerRole.Operator),
            _ => (false, default),
        };
        return ok;
    }

    /// <summary>Parses nva, nve or operator; throws <see cref="ArgumentException"/> saying what to write.</summary>
    public static PeerRole ParseRole(string text) =>
        TryParseRole(text, out var role) ? role : throw new ArgumentException($"'{text}' is not a role; write nva, nve or operator.", nameof(text));

    /// <summary>The identity as a URI string, <c>nvo3://ROLE/NAME</c>.</summary>
    public override string ToString() => $"{Prefix}{RoleName(Role)}/{Name}";

    /// <summary>The identity as a URI, as it goes in a certificate (a name of dots is kept as it is, not resolved as a path).</summary>
    public Uri ToUri() => new(ToString(), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    /// <summary>
    /// Parses <c>nvo3://ROLE/NAME</c> strictly: the scheme and role in lower case, nothing after the
    /// name (no port, query, fragment or trailing slash). False with the reason otherwise; never throws.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out PeerIdentity? identity, [NotNullWhen(false)] out string? error)
    {
        identity = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "The identity is empty; write nvo3://ROLE/NAME, like nvo3://nve/h1.";
            return false;
        }
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            error = $"'{Printable(text)}' is not an identity; write nvo3://ROLE/NAME, like nvo3://nve/h1.";
            return false;
        }
        string rest = text[Prefix.Length..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            error = $"'{Printable(text)}' has no name; write nvo3://ROLE/NAME, like nvo3://nve/h1.";
            return false;
        }
        if (!TryParseRole(rest[..slash], out var role))
        {
            error = $"'{Printable(text)}' names the role '{Printable(rest[..slash])}'; the roles are nva, nve and operator.";
            return false;
        }
        string name = rest[(slash + 1)..];
        if (!NameRule.IsValid(name))
        {
            error = $"'{Printable(text)}' has the name '{Printable(name)}'; a name is {NameRule.Description}.";
            return false;
        }
        identity = new PeerIdentity(role, name);
        error = null;
        return true;
    }

    /// <summary>Parses <c>nvo3://ROLE/NAME</c>; throws <see cref="FormatException"/> with the reason.</summary>
    public static PeerIdentity Parse(string text) =>
        TryParse(text, out var identity, out string? error) ? identity : throw new FormatException(error);

    /// <summary>
    /// The identity a certificate carries: its one <c>nvo3:</c> URI subject alternative name. False
    /// with the reason when it has none, several, or a malformed one; never throws.
    /// </summary>
    public static bool TryFromCertificate(X509Certificate2 certificate, [NotNullWhen(true)] out PeerIdentity? identity, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        identity = null;
        var extension = certificate.Extensions[SubjectAlternativeNames.Oid];
        if (extension is null)
        {
            error = $"The certificate '{certificate.Subject}' has no subject alternative names, so no nvo3://ROLE/NAME identity; issue it with nvo3 pki issue.";
            return false;
        }
        if (!SubjectAlternativeNames.TryReadUris(extension.RawData, out var uris, out error))
        {
            error = $"The certificate '{certificate.Subject}': {error}";
            return false;
        }
        var ours = uris.Where(u => u.StartsWith(Scheme + ":", StringComparison.OrdinalIgnoreCase)).ToList();
        if (ours.Count != 1)
        {
            error = ours.Count == 0
                ? $"The certificate '{certificate.Subject}' carries no nvo3://ROLE/NAME identity; issue it with nvo3 pki issue."
                : $"The certificate '{certificate.Subject}' carries {ours.Count} nvo3:// identities; a certificate names one.";
            return false;
        }
        if (!TryParse(ours[0], out identity, out error))
        {
            error = $"The certificate '{certificate.Subject}': {error}";
            return false;
        }
        return true;
    }

    /// <summary>The identity a certificate carries; throws <see cref="FormatException"/> with the reason.</summary>
    public static PeerIdentity FromCertificate(X509Certificate2 certificate) =>
        TryFromCertificate(certificate, out var identity, out string? error) ? identity : throw new FormatException(error);

    // Untrusted text goes into messages: control characters are shown as '?', and it is cut short.
    private static string Printable(string text)
    {
        var shown = text.Length > 80 ? text[..80] + "…" : text;
        return string.Create(shown.Length, shown, static (span, s) =>
        {
            for (int i = 0; i < s.Length; i++)
            {
                span[i] = char.IsControl(s[i]) ? '?' : s[i];
            }
        });
    }
}
