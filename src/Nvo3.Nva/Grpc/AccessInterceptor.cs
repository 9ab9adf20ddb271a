using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Nvo3.Hosting;

namespace Nvo3.Nva.Grpc;

/// <summary>
/// Applies <see cref="AccessRules"/> to every call made with a certificate (an NVA serving mutual
/// TLS sees one on every call); a refusal is PermissionDenied with the reason, logged once per call.
/// Over plain text (<c>--insecure</c>) nobody is identified and nothing is checked: that is what
/// the operator chose. The streams (watch, look-ups) are reads, open to every verified peer.
/// </summary>
internal sealed partial class AccessInterceptor(Authority authority, ILogger<AccessInterceptor> logger) : Interceptor
{
    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (context.PeerIdentity() is { } caller && !AccessRules.IsOpen(context.Method))
        {
            string method = context.Method[(context.Method.LastIndexOf('/') + 1)..];
            if (await AccessRules.RefusalAsync(caller, method, request, authority, context.CancellationToken).ConfigureAwait(false) is { } refusal)
            {
                LogRefused(logger, caller.ToString(), method, refusal);
                throw new RpcException(new Status(StatusCode.PermissionDenied, refusal));
            }
        }
        return await continuation(request, context).ConfigureAwait(false);
    }

    [LoggerMessage(1, LogLevel.Warning, "Refused {Caller} on {Method}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string caller, string method, string reason);
}
