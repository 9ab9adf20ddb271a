using Grpc.Core;

namespace Nvo3.Nve.Agent;

/// <summary>A port agent refused a call, or could not be reached; the message says why.</summary>
public sealed class PortAgentException(StatusCode code, string message, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>The gRPC status code.</summary>
    public StatusCode Code { get; } = code;
}
