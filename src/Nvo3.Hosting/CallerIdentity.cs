using Grpc.Core;
using Nvo3.Security;

namespace Nvo3.Hosting;

/// <summary>Who made a gRPC call, for services that authorize by identity.</summary>
public static class CallerIdentity
{
    /// <summary>
    /// The caller's identity, verified in the TLS handshake (<see cref="KestrelTls"/>), or
    /// null when the call came over plain text.
    /// </summary>
    public static PeerIdentity? PeerIdentity(this ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        return certificate is not null && Security.PeerIdentity.TryFromCertificate(certificate, out var identity, out _) ? identity : null;
    }
}
