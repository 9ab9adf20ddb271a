using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Nvo3.Security;

public sealed partial class TlsMaterial
{
    // TLS 1.2 stays for peers such as etcd builds that lack 1.3; both with the platform's ciphers.
    private const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>
    /// Options for a TLS server (an <see cref="SslStream"/> that accepts): this certificate, a
    /// client certificate required and verified as <see cref="PeerRequirement.AnyClient"/>. A
    /// refused client's reason goes to <paramref name="rejected"/> (a host logs it).
    /// </summary>
    public SslServerAuthenticationOptions CreateServerOptions(Action<string>? rejected = null) => CreateServerOptions(new Verdict(rejected));

    /// <summary>
    /// Options for a TLS client (an <see cref="SslStream"/> that connects): this certificate as the
    /// client's, the server verified against <paramref name="server"/>. A refused server's reason
    /// goes to <paramref name="rejected"/>.
    /// </summary>
    public SslClientAuthenticationOptions CreateClientOptions(PeerRequirement server, Action<string>? rejected = null) => CreateClientOptions(server, new Verdict(rejected));

    /// <summary>
    /// Makes an HTTP handler (a gRPC channel's) present this certificate and verify the server
    /// against <paramref name="server"/>; null checks the server's SANs against the host of each
    /// request's URI. The handler negotiates HTTP/2 itself.
    /// </summary>
    public void ConfigureHttpHandler(System.Net.Http.SocketsHttpHandler handler, PeerRequirement? server = null, Action<string>? rejected = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        handler.SslOptions = CreateClientOptions(server ?? PeerRequirement.ServerAt(null), rejected);
    }

    /// <summary>
    /// The server side of a handshake over <paramref name="inner"/>: returns the TLS stream (which
    /// owns <paramref name="inner"/>) and the client's verified identity. On failure
    /// <paramref name="inner"/> is closed and an <see cref="AuthenticationException"/> says why in
    /// our words when we refused the client.
    /// </summary>
    public async Task<(SslStream Stream, PeerIdentity Peer)> AuthenticateAsServerAsync(Stream inner, CancellationToken cancellationToken = default)
    {
        var verdict = new Verdict(null);
        var stream = new SslStream(inner, leaveInnerStreamOpen: false);
        await HandshakeAsync(stream, verdict, s => s.AuthenticateAsServerAsync(CreateServerOptions(verdict), cancellationToken), "client").ConfigureAwait(false);
        return (stream, verdict.Identity!);
    }

    /// <summary>
    /// The client side of a handshake over <paramref name="inner"/>, the server verified against
    /// <paramref name="server"/> before anything is sent: returns the TLS stream (which owns
    /// <paramref name="inner"/>) and the server's identity. On failure as
    /// <see cref="AuthenticateAsServerAsync"/>.
    /// </summary>
    public async Task<(SslStream Stream, PeerIdentity Peer)> AuthenticateAsClientAsync(Stream inner, PeerRequirement server, CancellationToken cancellationToken = default)
    {
        var verdict = new Verdict(null);
        var stream = new SslStream(inner, leaveInnerStreamOpen: false);
        await HandshakeAsync(stream, verdict, s => s.AuthenticateAsClientAsync(CreateClientOptions(server, verdict), cancellationToken), "server").ConfigureAwait(false);
        return (stream, verdict.Identity!);
    }

    private static async Task HandshakeAsync(SslStream stream, Verdict verdict, Func<SslStream, Task> handshake, string peer)
    {
        try
        {
            await handshake(stream).ConfigureAwait(false);
            if (verdict.Identity is null)
            {
                throw new AuthenticationException($"The {peer} was not verified.");
            }
        }
        catch (AuthenticationException ex)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            // Our reason when we refused; else the peer refused us, or the handshake broke.
            throw new AuthenticationException(verdict.Error ?? $"The TLS handshake with the {peer} failed: {ex.Message}", ex);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private SslServerAuthenticationOptions CreateServerOptions(Verdict verdict) => new()
    {
        ServerCertificateContext = _context,
        ClientCertificateRequired = true,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        EnabledSslProtocols = Protocols,
        // Our check replaces the platform's (system roots, host names): the chain it built is ignored.
        RemoteCertificateValidationCallback = (_, certificate, _, _) => verdict.Record(this, certificate, PeerRequirement.AnyClient, null),
    };

    private SslClientAuthenticationOptions CreateClientOptions(PeerRequirement server, Verdict verdict)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (!server.PeerIsServer)
        {
            throw new ArgumentException("A client verifies a server: use PeerRequirement.Server or ServerAt.", nameof(server));
        }
        return new()
        {
            TargetHost = server.HostName,
            ClientCertificateContext = _context,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            EnabledSslProtocols = Protocols,
            RemoteCertificateValidationCallback = (sender, certificate, _, _) => verdict.Record(this, certificate, server, (sender as SslStream)?.TargetHostName),
        };
    }

    /// <summary>What one handshake's check decided, for the caller to report; a sink for hosts that only log.</summary>
    private sealed class Verdict(Action<string>? rejected)
    {
        public PeerIdentity? Identity { get; private set; }

        public string? Error { get; private set; }

        public bool Record(TlsMaterial tls, X509Certificate? certificate, PeerRequirement requirement, string? targetHost)
        {
            if (tls.TryVerify(certificate, requirement, targetHost, out var identity, out string? error))
            {
                Identity = identity;
                return true;
            }
            Error = error;
            rejected?.Invoke(error);
            return false;
        }
    }
}
