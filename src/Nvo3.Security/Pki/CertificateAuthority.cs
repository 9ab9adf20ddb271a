using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Nvo3.Security;

/// <summary>
/// The overlay's own small certificate authority (<c>nvo3 pki</c>): an ECDSA P-256 key and a
/// self-signed certificate valid ten years (CA, path length 0: it signs leaves only), kept as
/// <c>CA_DIR/ca.pem</c> and <c>CA_DIR/ca.key</c> (mode 0600). It issues one certificate per
/// identity: ECDSA P-256, a year by default, subject <c>CN=NAME, OU=ROLE</c>, the identity as URI
/// SAN, optional DNS and IP SANs, for TLS servers and clients both. Only the framework's crypto.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    /// <summary>The CA certificate's file name in CA_DIR.</summary>
    public const string CertificateFile = "ca.pem";

    /// <summary>The CA key's file name in CA_DIR.</summary>
    public const string KeyFile = "ca.key";

    /// <summary>How long a new CA is valid.</summary>
    public const int ValidityYears = 10;

    private readonly ECDsa _key;
    private readonly TimeProvider _time;

    private CertificateAuthority(X509Certificate2 certificate, ECDsa key, TimeProvider time)
    {
        Certificate = certificate;
        _key = key;
        _time = time;
    }

    /// <summary>The CA's certificate (without its key): what every holder trusts.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate's path in <paramref name="directory"/>.</summary>
    public static string CertificatePath(string directory) => Path.Combine(directory, CertificateFile);

    /// <summary>The CA key's path in <paramref name="directory"/>.</summary>
    public static string KeyPath(string directory) => Path.Combine(directory, KeyFile);

    /// <summary>A new CA in memory (a lab's throw-away CA, tests): subject <c>CN=Nvo3 CA &lt;random id&gt;</c>, valid from five minutes ago for ten years.</summary>
    public static CertificateAuthority Create(TimeProvider? timeProvider = null)
    {
        var time = timeProvider ?? TimeProvider.System;
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            var subject = new X500DistinguishedName($"CN=Nvo3 CA {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
            var now = time.GetUtcNow();
            using var signed = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(ValidityYears));
            // Kept without its key: the key signs through _key, and the certificate is handed out.
            return new CertificateAuthority(X509CertificateLoader.LoadCertificate(signed.RawData), key, time);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <c>nvo3 pki init</c>: a new CA written to <paramref name="directory"/> (created owner-only
    /// when missing). Refuses, writing nothing, when <c>ca.pem</c> or <c>ca.key</c> exists, unless
    /// <paramref name="force"/>.
    /// </summary>
    public static CertificateAuthority Init(string directory, bool force, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var authority = Create(timeProvider);
        try
        {
            PemFiles.WriteAll(
            [
                new(KeyPath(directory), authority._key.ExportPkcs8PrivateKeyPem(), IsSecret: true),
                new(CertificatePath(directory), authority.Certificate.ExportCertificatePem() + "\n", IsSecret: false),
            ], force);
            return authority;
        }
        catch
        {
            authority.Dispose();
            throw;
        }
    }

    /// <summary>True when <paramref name="directory"/> holds a CA's two files.</summary>
    public static bool Exists(string directory) => File.Exists(CertificatePath(directory)) && File.Exists(KeyPath(directory));

    /// <summary>
    /// The CA kept in <paramref name="directory"/>. A <see cref="PkiException"/> when there is none
    /// (say <c>nvo3 pki init</c> first), when a file cannot be read, when the key does not match the
    /// certificate, or when the certificate is not a CA.
    /// </summary>
    public static CertificateAuthority Open(string directory, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string hint = $"{directory} holds no CA; create one with nvo3 pki init {directory}";
        if (!File.Exists(CertificatePath(directory)) && !File.Exists(KeyPath(directory)))
        {
            throw new PkiException($"{directory} holds no CA (no {CertificateFile}, no {KeyFile}); create one with nvo3 pki init {directory}.");
        }
        string certificatePem = PemFiles.Read(CertificatePath(directory), "The CA certificate", hint);
        string keyPem = PemFiles.Read(KeyPath(directory), "The CA key", hint);
        var certificate = PemCertificates.ReadOne(certificatePem, CertificatePath(directory));
        var key = ECDsa.Create();
        try
        {
            PemCertificates.ImportKey(key, keyPem, KeyPath(directory));
            if (!PemCertificates.Matches(certificate, key))
            {
                throw new PkiException($"{KeyPath(directory)} is not the key of {CertificatePath(directory)}; restore the pair from the same nvo3 pki init.");
            }
            if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
            {
                throw new PkiException($"{CertificatePath(directory)} is not a CA certificate.");
            }
            return new CertificateAuthority(certificate, key, timeProvider ?? TimeProvider.System);
        }
        catch
        {
            key.Dispose();
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A certificate with its private key for <paramref name="request"/>, signed by this CA. Throws
    /// <see cref="ArgumentException"/> for a bad SAN or a validity the CA cannot give.
    /// </summary>
    public X509Certificate2 Issue(IssueRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (notBefore, notAfter) = request.Resolve(_time.GetUtcNow(), Certificate.NotBefore.ToUniversalTime(), Certificate.NotAfter.ToUniversalTime());
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        // Added in the order they print: CN=NAME, OU=ROLE.
        subject.AddCommonName(request.Identity.Name);
        subject.AddOrganizationalUnitName(PeerIdentity.RoleName(request.Identity.Role));
        var csr = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        csr.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        csr.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        csr.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ChainVerifier.ServerAuthentication, ChainVerifier.ClientAuthentication], critical: false));
        csr.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(csr.PublicKey, critical: false));
        csr.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        csr.CertificateExtensions.Add(SubjectAlternativeNames.Build(request.Identity, request.SubjectAlternativeNames));
        using var signed = Sign(csr, notBefore, notAfter);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>Signs <paramref name="request"/> as it is, with a new serial number: no rules applied (tests make odd certificates with it).</summary>
    internal X509Certificate2 Sign(CertificateRequest request, DateTimeOffset notBefore, DateTimeOffset notAfter) =>
        request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), notBefore, notAfter, NewSerialNumber());

    /// <summary>
    /// <c>nvo3 pki issue</c>: issues for <paramref name="request"/> and writes <c>cert.pem</c>,
    /// <c>key.pem</c> (mode 0600) and <c>ca.pem</c> to <paramref name="directory"/> (created
    /// owner-only when missing). Refuses, writing nothing, when one of them exists, unless
    /// <paramref name="force"/>.
    /// </summary>
    public IssuedCertificate IssueTo(string directory, IssueRequest request, bool force)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        using var certificate = Issue(request);
        using var key = certificate.GetECDsaPrivateKey()!;
        string certificatePath = Path.Combine(directory, TlsMaterial.CertificateFile);
        string keyPath = Path.Combine(directory, TlsMaterial.KeyFile);
        string authorityPath = Path.Combine(directory, TlsMaterial.AuthorityFile);
        PemFiles.WriteAll(
        [
            new(keyPath, key.ExportPkcs8PrivateKeyPem(), IsSecret: true),
            new(certificatePath, certificate.ExportCertificatePem() + "\n", IsSecret: false),
            new(authorityPath, Certificate.ExportCertificatePem() + "\n", IsSecret: false),
        ], force);
        return new IssuedCertificate(certificatePath, keyPath, authorityPath, certificate.Subject, request.Identity, [.. request.SubjectAlternativeNames],
            certificate.SerialNumber, certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime());
    }

    /// <summary>Issues for <paramref name="request"/> and returns it ready for TLS, in memory (a lab's throw-away CA, tests).</summary>
    public TlsMaterial IssueMaterial(IssueRequest request, TimeProvider? timeProvider = null)
    {
        var certificate = Issue(request);
        return TlsMaterial.FromCertificates(certificate, X509CertificateLoader.LoadCertificate(Certificate.RawData), timeProvider ?? _time);
    }

    // 16 random bytes, positive, and with the second-highest bit set so that DER keeps all 16.
    private static byte[] NewSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }

    /// <summary>Frees the key.</summary>
    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }
}
