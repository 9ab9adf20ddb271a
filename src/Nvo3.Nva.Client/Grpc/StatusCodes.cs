using Grpc.Core;

namespace Nvo3.Nva.Grpc;

/// <summary>The gRPC status code of each refusal, the same for the NVA and for the agents that relay its answers.</summary>
public static class StatusCodes
{
    /// <summary>The status code of <paramref name="error"/>.</summary>
    public static StatusCode For(NvaError error) => error switch
    {
        NvaError.InvalidArgument => StatusCode.InvalidArgument,
        NvaError.NotFound => StatusCode.NotFound,
        NvaError.AlreadyExists => StatusCode.AlreadyExists,
        NvaError.FailedPrecondition => StatusCode.FailedPrecondition,
        NvaError.Aborted => StatusCode.Aborted,
        _ => StatusCode.Unavailable,
    };
}
