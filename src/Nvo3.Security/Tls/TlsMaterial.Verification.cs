using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography.X509Certificates;

namespace Nvo3.Security;

public sealed partial class TlsMaterial
{
    /// <summary>
    /// Verifies a certificate a peer presented: issued by our CA, valid now, for TLS server or
    /// client authentication as the peer is, carrying an identity, and meeting
    /// <paramref name="requirement"/> (the pinned identity or role; else, for a server, a DNS/IP
    /// SAN matching <see cref="PeerRequirement.HostName"/>). False with a one-sentence reason that
    /// says what to do; never throws for what the peer sent.
    /// </summary>
    public bool TryVerifyPeer(X509Certificate? presented, PeerRequirement requirement, [NotNullWhen(true)] out PeerIdentity? identity, [NotNullWhen(false)] out string? error) =>
        TryVerify(presented, requirement, targetHost: null, out identity, out error);

    /// <summary>As the public overload; <paramref name="targetHost"/> is the host dialled, checked when the requirement names none.</summary>
    internal bool TryVerify(X509Certificate? presented, PeerRequirement requirement, string? targetHost, [NotNullWhen(true)] out PeerIdentity? identity,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(requirement);
        identity = null;
        string who = requirement.PeerIsServer ? "The server" : "The client";
        if (presented is null)
        {
            error = $"{who} presented no certificate; it needs one from the overlay's CA (nvo3 pki issue), given with --tls-dir or {DirectoryVariable}.";
            return false;
        }
        var certificate = presented as X509Certificate2;
        using var loaded = certificate is null ? X509CertificateLoader.LoadCertificate(presented.GetRawCertData()) : null;
        certificate ??= loaded!;
        var usage = requirement.PeerIsServer ? ChainVerifier.ServerAuthentication : ChainVerifier.ClientAuthentication;
        if (new ChainVerifier(Authority, Time).Check(certificate, usage) is { } problem)
        {
            error = $"{who}'s certificate '{certificate.Subject}' is refused: {problem}.";
            return false;
        }
        if (!PeerIdentity.TryFromCertificate(certificate, out identity, out error))
        {
            error = $"{who}'s certificate is refused: {error}";
            return false;
        }
        if (requirement.Identity is { } expected && expected != identity)
        {
            error = $"{who} is {identity}, not {expected}: this is not the peer the directory names, so nothing is sent to it.";
            identity = null;
            return false;
        }
        if (requirement.Role is { } role && identity.Role != role)
        {
            error = $"{who} is {identity}; a {PeerIdentity.RoleName(role)} was expected.";
            identity = null;
            return false;
        }
        if (requirement.PeerIsServer && requirement.Identity is null && !MatchesHost(certificate, requirement.HostName ?? targetHost, identity, out error))
        {
            identity = null;
            return false;
        }
        error = null;
        return true;
    }

    private static bool MatchesHost(X509Certificate2 certificate, string? host, PeerIdentity identity, [NotNullWhen(false)] out string? error)
    {
        if (string.IsNullOrEmpty(host))
        {
            error = $"The server is {identity}, but no host name or identity was given to check it against.";
            return false;
        }
        // An IPv6 literal may come bracketed from a URI.
        string bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (!certificate.MatchesHostname(bare, allowWildcards: false, allowCommonName: false))
        {
            error = $"The server {identity} has no DNS or IP SAN for '{bare}'; issue its certificate with --san {bare}, or pin its identity.";
            return false;
        }
        error = null;
        return true;
    }
}
