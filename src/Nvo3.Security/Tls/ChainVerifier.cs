using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Nvo3.Security;

/// <summary>
/// Checks that a certificate is a holder's certificate issued directly by our CA and valid at the
/// clock's time, and says why not in words an operator can act on. The CA is the only trust
/// anchor (custom root trust: the system's roots do not count); revocation is not checked.
/// </summary>
internal sealed class ChainVerifier(X509Certificate2 authority, TimeProvider time)
{
    /// <summary>TLS server authentication (extended key usage).</summary>
    public static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "Server Authentication");

    /// <summary>TLS client authentication (extended key usage).</summary>
    public static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    /// <summary>Null when <paramref name="certificate"/> passes; else why not (a clause, no full stop).</summary>
    /// <param name="certificate">The certificate to check.</param>
    /// <param name="usage">The extended key usage it must allow, or null for any.</param>
    public string? Check(X509Certificate2 certificate, Oid? usage)
    {
        var now = time.GetUtcNow();
        var notBefore = certificate.NotBefore.ToUniversalTime();
        var notAfter = certificate.NotAfter.ToUniversalTime();
        if (now < notBefore)
        {
            return $"it is not valid before {notBefore:u} and the time here is {now:u} (check the clocks, or issue it again)";
        }
        if (now > notAfter)
        {
            return $"it expired {notAfter:u}; issue a new one with nvo3 pki issue";
        }
        if (now > authority.NotAfter.ToUniversalTime())
        {
            return $"the CA '{authority.Subject}' expired {authority.NotAfter.ToUniversalTime():u}; start a new CA (nvo3 pki init) and issue every certificate again";
        }
        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true })
        {
            return "it is a CA certificate, not a holder's (give the cert.pem of nvo3 pki issue)";
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (usage is not null)
        {
            chain.ChainPolicy.ApplicationPolicy.Add(usage);
        }
        try
        {
            if (!chain.Build(certificate))
            {
                return Describe(chain.ChainStatus, certificate, usage);
            }
            // Path length 0 at the CA: the chain is the certificate and the CA, nothing between.
            if (chain.ChainElements.Count != 2 || !chain.ChainElements[1].Certificate.RawDataMemory.Span.SequenceEqual(authority.RawDataMemory.Span))
            {
                return $"it was not issued directly by the CA '{authority.Subject}'";
            }
            return null;
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, certificate))
                {
                    element.Certificate.Dispose();
                }
            }
        }
    }

    private string Describe(X509ChainStatus[] statuses, X509Certificate2 certificate, Oid? usage)
    {
        var flags = statuses.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        if ((flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
        {
            return $"it was issued by '{certificate.Issuer}', not by this overlay's CA '{authority.Subject}' (use a certificate from nvo3 pki issue with the same CA as ca.pem)";
        }
        if ((flags & X509ChainStatusFlags.NotSignatureValid) != 0)
        {
            return $"its signature does not verify against the CA '{authority.Subject}' (a forged or corrupted certificate)";
        }
        if ((flags & X509ChainStatusFlags.NotValidForUsage) != 0)
        {
            return $"it is not for {usage?.FriendlyName ?? "this use"} (its extended key usage); issue it with nvo3 pki issue";
        }
        if ((flags & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            return "it or the CA is outside its validity at the time here";
        }
        return "the chain to the CA does not verify: " + string.Join("; ", statuses.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).DefaultIfEmpty(flags.ToString()));
    }
}
