using System.CommandLine;
using System.Net;
using Nvo3.Hosting.Metrics;

namespace Nvo3.Cli;

/// <summary><c>--metrics-listen HOST:PORT</c> of <c>nva serve</c>, <c>nve run</c> and <c>demo</c>: Prometheus metrics at /metrics.</summary>
internal static class MetricsOption
{
    public static Option<string?> Create(string what) => new("--metrics-listen")
    {
        Description = $"Serve {what} metrics in the Prometheus text format at http://HOST:PORT/metrics (e.g. 127.0.0.1:{MetricsEndpoint.ExamplePort}; 0.0.0.0:PORT for every interface).",
        HelpName = "HOST:PORT",
    };

    /// <summary>The address asked for, parsed before anything starts (bad input exits 2 with one line), or null.</summary>
    public static IPEndPoint? Parse(ParseResult parse, Option<string?> option) => parse.GetValue(option) is { } text ? MetricsEndpoint.ParseListen(text) : null;

    /// <summary>Starts serving when asked, and says where on <paramref name="said"/>.</summary>
    public static async Task<MetricsEndpoint?> StartAsync(IPEndPoint? listen, string command, TextWriter said, CancellationToken cancellationToken)
    {
        if (listen is null)
        {
            return null;
        }
        var endpoint = await MetricsEndpoint.StartAsync(listen, cancellationToken).ConfigureAwait(false);
        said.WriteLine($"{command}: metrics at {endpoint.Address}");
        return endpoint;
    }
}
