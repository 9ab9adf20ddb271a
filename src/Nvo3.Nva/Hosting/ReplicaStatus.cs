namespace Nvo3.Nva.Hosting;

/// <summary>Hands the running server to the gRPC service for <c>Status</c> (the service is built before the server is).</summary>
internal sealed class ReplicaStatus
{
    /// <summary>The server, once started.</summary>
    public NvaServer? Server { get; set; }
}
