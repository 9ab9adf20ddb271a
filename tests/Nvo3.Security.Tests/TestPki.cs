using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;

namespace Nvo3.Security.Tests;

/// <summary>A path under the temp folder that is not created (the PKI creates it); deleted with its contents on dispose.</summary>
internal sealed class ScratchPath : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "nvo3-pki-" + Guid.NewGuid().ToString("N"));

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}

/// <summary>Certificates for tests: a CA made on a fake clock, and material issued by it.</summary>
internal static class TestPki
{
    /// <summary>When the test CAs are made: their validity runs from five minutes before to ten years after.</summary>
    public static readonly DateTimeOffset Epoch = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider ClockAt(DateTimeOffset now) => new(now);

    public static CertificateAuthority NewAuthority() => CertificateAuthority.Create(ClockAt(Epoch));

    /// <summary>Material for <paramref name="identity"/>, judged on a clock a day after the epoch unless given.</summary>
    public static TlsMaterial Material(CertificateAuthority ca, PeerIdentity identity, TimeProvider? clock = null, params string[] sans) =>
        ca.IssueMaterial(new IssueRequest { Identity = identity, SubjectAlternativeNames = sans }, clock ?? ClockAt(Epoch.AddDays(1)));

    /// <summary>A certificate signed by <paramref name="ca"/> outside the usual rules (no EKU, say), for checks the PKI never makes.</summary>
    public static X509Certificate2 Odd(CertificateAuthority ca, Action<CertificateRequest> extensions)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=odd", key, HashAlgorithmName.SHA256);
        extensions(request);
        using var signed = ca.Sign(request, Epoch, Epoch.AddDays(30));
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>A connected pair of loopback TCP streams.</summary>
    public static async Task<(NetworkStream Client, NetworkStream Server)> ConnectedPairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        var accepting = listener.AcceptTcpClientAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = await accepting;
        return (client.GetStream(), server.GetStream());
    }

    /// <summary>A handshake of <paramref name="client"/> (null: an SslStream with no certificate) with <paramref name="server"/>; the outcome of each side.</summary>
    public static async Task<(Task<(SslStream, PeerIdentity)> Server, Task<(SslStream, PeerIdentity)> Client)> HandshakeAsync(TlsMaterial server, TlsMaterial? client,
        PeerRequirement expected)
    {
        var (clientStream, serverStream) = await ConnectedPairAsync();
        var serverSide = server.AuthenticateAsServerAsync(serverStream);
        Task<(SslStream, PeerIdentity)> clientSide = client is not null
            ? client.AuthenticateAsClientAsync(clientStream, expected)
            : AnonymousClientAsync(clientStream);
        await Task.WhenAll(Observe(serverSide), Observe(clientSide)).WaitAsync(TimeSpan.FromSeconds(20));
        return (serverSide, clientSide);
    }

    private static async Task<(SslStream, PeerIdentity)> AnonymousClientAsync(Stream inner)
    {
        var ssl = new SslStream(inner, false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "h2", RemoteCertificateValidationCallback = (_, _, _, _) => true });
        // TLS 1.3 finishes the client's side before the server judged the client: read to learn the verdict.
        await ssl.WriteAsync(new byte[] { 1 });
        if (await ssl.ReadAsync(new byte[1]) == 0)
        {
            throw new IOException("The server closed the connection.");
        }
        return (ssl, PeerIdentity.Nve("anonymous"));
    }

    private static async Task Observe(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException)
        {
            // The caller looks at the task.
        }
    }
}
