using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Nvo3.Nva.Grpc;

/// <summary>
/// Turns the NVA's refusals into gRPC status codes with their message, and anything unexpected
/// into Internal with a logged stack, so a client never sees a bare transport error for a bad request.
/// </summary>
public sealed partial class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    /// <summary>The status code of a refusal.</summary>
    public static StatusCode ToStatusCode(NvaError error) => StatusCodes.For(error);

    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    /// <inheritdoc />
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    /// <inheritdoc />
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    private RpcException? Translate(Exception ex, ServerCallContext context)
    {
        switch (ex)
        {
            case RpcException:
                return null;
            case NvaException nva:
                return new RpcException(new Status(ToStatusCode(nva.Error), nva.Message));
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled."));
            case IOException io:
                // The store is away (etcd lost its quorum, say): another NVA replica may still reach it.
                LogStoreUnavailable(logger, context.Method, io.Message);
                return new RpcException(new Status(StatusCode.Unavailable, $"The NVA cannot reach its store: {io.Message}"));
            default:
                LogUnexpected(logger, context.Method, ex);
                return new RpcException(new Status(StatusCode.Internal, $"The NVA failed on {context.Method}: {ex.Message}"));
        }
    }

    [LoggerMessage(1, LogLevel.Error, "Unexpected failure in {Method}")]
    private static partial void LogUnexpected(ILogger logger, string method, Exception exception);

    [LoggerMessage(2, LogLevel.Warning, "{Method}: the store is unavailable ({Reason}); answered Unavailable")]
    private static partial void LogStoreUnavailable(ILogger logger, string method, string reason);
}
