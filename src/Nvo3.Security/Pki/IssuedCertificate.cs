namespace Nvo3.Security;

/// <summary>What <see cref="CertificateAuthority.IssueTo"/> wrote, for the operator to read.</summary>
/// <param name="CertificatePath">The certificate, <c>OUT/cert.pem</c>.</param>
/// <param name="KeyPath">Its private key, <c>OUT/key.pem</c> (mode 0600).</param>
/// <param name="AuthorityPath">The CA's certificate, <c>OUT/ca.pem</c>: the holder's only trust anchor.</param>
/// <param name="Subject">The subject, <c>CN=NAME, OU=ROLE</c>.</param>
/// <param name="Identity">The identity in its URI SAN.</param>
/// <param name="SubjectAlternativeNames">The DNS names and IP addresses in its SAN.</param>
/// <param name="SerialNumber">The serial number, hexadecimal.</param>
/// <param name="NotBefore">Valid from.</param>
/// <param name="NotAfter">Valid until.</param>
public sealed record IssuedCertificate(string CertificatePath, string KeyPath, string AuthorityPath, string Subject, PeerIdentity Identity,
    IReadOnlyList<string> SubjectAlternativeNames, string SerialNumber, DateTimeOffset NotBefore, DateTimeOffset NotAfter);
