using System.Security.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Nvo3.Security;

namespace Nvo3.Hosting;

/// <summary>Mutual TLS on a Kestrel endpoint from <see cref="TlsMaterial"/>.</summary>
public static partial class KestrelTls
{
    /// <summary>
    /// Serves TLS with <paramref name="tls"/>'s certificate and requires a client certificate,
    /// verified against the CA alone (<see cref="PeerRequirement.AnyClient"/>); a refused client is
    /// logged with the reason and never reaches a service. Which calls an identity may make is for
    /// the services to decide (<see cref="CallerIdentity.PeerIdentity(global::Grpc.Core.ServerCallContext)"/>).
    /// </summary>
    public static ListenOptions UseMutualTls(this ListenOptions listen, TlsMaterial tls, string what, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(tls);
        return listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = tls.Certificate,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            // Our check replaces the platform's (system roots): the chain it built is ignored.
            ClientCertificateValidation = (certificate, _, _) =>
            {
                if (tls.TryVerifyPeer(certificate, PeerRequirement.AnyClient, out _, out string? error))
                {
                    return true;
                }
                LogRefused(logger, what, error);
                return false;
            },
            CheckCertificateRevocation = false,
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            HandshakeTimeout = TimeSpan.FromSeconds(10),
        });
    }

    [LoggerMessage(2, LogLevel.Warning, "{What} refused a TLS client: {Reason}")]
    private static partial void LogRefused(ILogger logger, string what, string reason);
}
