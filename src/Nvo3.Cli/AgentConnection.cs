using System.CommandLine;
using Grpc.Core;
using Grpc.Net.Client;
using Nvo3.Nva;
using Nvo3.Nva.Client;

namespace Nvo3.Cli;

/// <summary>
/// The agent of an NVE, as <c>nvo3 nve show</c> and <c>nvo3 nve trace</c> reach it: at
/// <c>--agent HOST:PORT</c> when given, else where the NVE published it in the directory (what
/// <c>nvo3 migrate</c> uses). Owns the channel. Its failures become the CLI's one-line errors.
/// </summary>
internal sealed class AgentConnection : IDisposable
{
    private AgentConnection(string nve, Uri address)
    {
        Nve = nve;
        Address = address;
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(3) };
        if (address.Scheme == Uri.UriSchemeHttps && Cli.ClientSecurity().Tls is { } tls)
        {
            tls.ConfigureHttpHandler(handler);
        }
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
    }

    /// <summary>The NVE's name.</summary>
    public string Nve { get; }

    /// <summary>Where its agent listens.</summary>
    public Uri Address { get; }

    /// <summary>The channel to it.</summary>
    public GrpcChannel Channel { get; }

    /// <summary>The option that names the agent directly.</summary>
    public static Option<string?> AgentOption() => new("--agent")
    {
        Description = "The NVE's agent, HOST:PORT (what nvo3 nve run --agent-listen serves); default: the agent the NVE published in the NVA.",
    };

    /// <summary>Connects to the agent of <paramref name="nve"/>: <paramref name="agent"/> when given, else the directory's.</summary>
    public static async Task<AgentConnection> OpenAsync(string nve, string? agent, string nvaText, CancellationToken cancellationToken)
    {
        if (agent is not null)
        {
            return new AgentConnection(nve, ParseAgent(agent));
        }
        using var nva = Cli.Connect(nvaText);
        var record = (await nva.ListNvesAsync(cancellationToken).ConfigureAwait(false)).Select(n => n.Nve).FirstOrDefault(n => n.Name == nve)
            ?? throw new NvaException(NvaError.NotFound, $"No NVE named '{nve}' in the NVA at {nva.Address}; nvo3 nve list shows them.");
        return record.Agent is { } published
            ? new AgentConnection(nve, new Uri(published))
            : throw new NvaException(NvaError.NotFound, $"NVE '{nve}' published no agent; start it with nvo3 nve run --agent-listen, or name the agent with --agent HOST:PORT.");
    }

    /// <summary>Runs a call, turning the agent's refusals and silence into the CLI's errors.</summary>
    public async Task<T> CallAsync<T>(Func<GrpcChannel, Task<T>> call)
    {
        try
        {
            return await call(Channel).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw Translate(ex);
        }
    }

    /// <summary>An agent's <see cref="RpcException"/> as the exception the CLI reports.</summary>
    public Exception Translate(RpcException ex) => ex.StatusCode switch
    {
        StatusCode.Cancelled => new OperationCanceledException(ex.Status.Detail, ex),
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => new IOException(
            $"Cannot reach the agent of NVE '{Nve}' at {Address} ({ex.Status.Detail}); is nvo3 nve run --agent-listen running there?", ex),
        StatusCode.Unimplemented => new NvaException(NvaError.FailedPrecondition,
            $"The agent of NVE '{Nve}' at {Address} cannot be inspected (an nvo3 older than nve show?): {ex.Status.Detail}"),
        StatusCode.InvalidArgument => new NvaException(NvaError.InvalidArgument, ex.Status.Detail),
        _ => new NvaException(NvaError.FailedPrecondition, $"The agent of NVE '{Nve}' at {Address} refused: {ex.Status.Detail}"),
    };

    private static Uri ParseAgent(string text)
    {
        string candidate = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (Uri.TryCreate(candidate, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && !string.IsNullOrEmpty(uri.Host)
            && uri.AbsolutePath == "/" && !uri.IsDefaultPort)
        {
            return uri;
        }
        throw new ArgumentException($"--agent '{text}' is not HOST:PORT; write 127.0.0.1:7471.");
    }

    /// <inheritdoc />
    public void Dispose() => Channel.Dispose();
}
