using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Nvo3.Security;

/// <summary>
/// One holder's TLS material: its certificate with the private key, its identity, and the
/// overlay's CA as the only trust anchor (no system roots, no revocation: the CA is ours and
/// short-lived certificates replace revocation). Loaded from <c>DIR/cert.pem</c>,
/// <c>DIR/key.pem</c> and <c>DIR/ca.pem</c> (<c>--tls-dir</c>, <c>NVO3_TLS_DIR</c>), and checked
/// at load: the key matches, the CA issued the certificate, it is valid now. It verifies peers
/// (<see cref="TryVerifyPeer"/>) and makes the options of <see cref="SslStream"/>, Kestrel and
/// <see cref="System.Net.Http.SocketsHttpHandler"/>. Validity is judged on <see cref="Time"/>.
/// </summary>
public sealed partial class TlsMaterial : IDisposable
{
    /// <summary>The environment variable naming the folder when <c>--tls-dir</c> is not given.</summary>
    public const string DirectoryVariable = "NVO3_TLS_DIR";

    /// <summary>The certificate's file name.</summary>
    public const string CertificateFile = "cert.pem";

    /// <summary>The private key's file name (mode 0600).</summary>
    public const string KeyFile = "key.pem";

    /// <summary>The CA certificate's file name.</summary>
    public const string AuthorityFile = "ca.pem";

    private readonly SslStreamCertificateContext _context;

    private TlsMaterial(X509Certificate2 certificate, X509Certificate2 authority, PeerIdentity identity, TimeProvider time, string source)
    {
        Certificate = certificate;
        Authority = authority;
        Identity = identity;
        Time = time;
        Source = source;
        // Built once: it holds the chain sent in every handshake. Offline: nothing to download.
        _context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
    }

    /// <summary>The holder's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA: the only certificate peers are verified against.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The holder's identity, from its certificate.</summary>
    public PeerIdentity Identity { get; }

    /// <summary>The clock validity is judged on.</summary>
    public TimeProvider Time { get; }

    /// <summary>Where it came from (a folder, or "memory"), for messages.</summary>
    public string Source { get; }

    /// <summary>When the holder's certificate expires.</summary>
    public DateTimeOffset Expires => Certificate.NotAfter.ToUniversalTime();

    /// <summary>
    /// Loads <c>cert.pem</c>, <c>key.pem</c> and <c>ca.pem</c> from <paramref name="directory"/>.
    /// A <see cref="PkiException"/> says what to do when a file is missing or unreadable, the key
    /// does not match, the CA did not issue the certificate, or it is expired or not yet valid.
    /// </summary>
    public static TlsMaterial Load(string directory, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string hint = $"issue one with nvo3 pki issue CA_DIR --role ROLE --name NAME --out {directory}";
        string certificate = PemFiles.Read(Path.Combine(directory, CertificateFile), "The certificate", hint);
        string key = PemFiles.Read(Path.Combine(directory, KeyFile), "The key", hint);
        string authority = PemFiles.Read(Path.Combine(directory, AuthorityFile), "The CA certificate", hint);
        return FromPem(certificate, key, authority, timeProvider, directory);
    }

    /// <summary>The material in the folder <c>NVO3_TLS_DIR</c> names, or null when it is not set.</summary>
    public static TlsMaterial? FromEnvironment(TimeProvider? timeProvider = null) =>
        Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } directory ? Load(directory, timeProvider) : null;

    /// <summary>The material in PEM texts; <paramref name="source"/> names them in messages. Malformed input is a <see cref="PkiException"/>, never anything else.</summary>
    public static TlsMaterial FromPem(string certificatePem, string keyPem, string authorityPem, TimeProvider? timeProvider = null, string source = "memory")
    {
        ArgumentNullException.ThrowIfNull(certificatePem);
        ArgumentNullException.ThrowIfNull(keyPem);
        ArgumentNullException.ThrowIfNull(authorityPem);
        string certificatePath = Path.Combine(source, CertificateFile);
        string keyPath = Path.Combine(source, KeyFile);
        using var publicOnly = PemCertificates.ReadOne(certificatePem, certificatePath);
        var authority = PemCertificates.ReadOne(authorityPem, Path.Combine(source, AuthorityFile));
        try
        {
            using var key = ECDsa.Create();
            PemCertificates.ImportKey(key, keyPem, keyPath);
            if (!PemCertificates.Matches(publicOnly, key))
            {
                throw new PkiException($"{keyPath} is not the key of {certificatePath}; copy the pair that nvo3 pki issue wrote together.");
            }
            return Create(publicOnly.CopyWithPrivateKey(key), authority, timeProvider ?? TimeProvider.System, source);
        }
        catch
        {
            // Create frees it too when it refuses; a second Dispose does nothing.
            authority.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The material from certificates in memory (<paramref name="certificate"/> with its private
    /// key); checked as <see cref="Load"/> checks files. It owns both certificates from here.
    /// </summary>
    public static TlsMaterial FromCertificates(X509Certificate2 certificate, X509Certificate2 authority, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authority);
        if (!certificate.HasPrivateKey)
        {
            throw new PkiException($"The certificate '{certificate.Subject}' comes without its private key.");
        }
        return Create(certificate, authority, timeProvider ?? TimeProvider.System, "memory");
    }

    private static TlsMaterial Create(X509Certificate2 certificate, X509Certificate2 authority, TimeProvider time, string source)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                // SChannel cannot use an ephemeral key (one that never went through a key store).
                using var ephemeral = certificate;
                certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), password: null);
            }
            if (!PeerIdentity.TryFromCertificate(certificate, out var identity, out string? error))
            {
                throw new PkiException($"{Name(source)}: {error}");
            }
            if (new ChainVerifier(authority, time).Check(certificate, usage: null) is { } problem)
            {
                throw new PkiException($"{Name(source)} ({identity}) cannot be used: {problem}");
            }
            return new TlsMaterial(certificate, authority, identity, time, source);
        }
        catch
        {
            certificate.Dispose();
            authority.Dispose();
            throw;
        }
    }

    private static string Name(string source) => source == "memory" ? "The certificate in memory" : Path.Combine(source, CertificateFile);

    /// <summary>Frees the certificates.</summary>
    public void Dispose()
    {
        Certificate.Dispose();
        Authority.Dispose();
    }
}
