using System.CommandLine;
using Microsoft.Extensions.Logging;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Nva.Hosting;

namespace Nvo3.Cli;

/// <summary>Options and error handling shared by the commands.</summary>
internal static class Cli
{
    /// <summary>Exit code: done.</summary>
    public const int Ok = 0;
    /// <summary>Exit code: the NVA or the system refused or failed.</summary>
    public const int Failed = 1;
    /// <summary>Exit code: bad usage or input.</summary>
    public const int Usage = 2;

    /// <summary>The environment variable that sets the default NVA address.</summary>
    public const string NvaVariable = "NVO3_NVA";

    /// <summary>The NVA addresses every client command takes.</summary>
    public static Option<string> NvaOption() => new("--nva")
    {
        Description = $"The NVA to talk to: HOST:PORT or http://HOST:PORT, or several NVA replicas as A,B,C (tried in turn when one is down) (default: ${NvaVariable}, else 127.0.0.1:{NvaServerOptions.DefaultPort}).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(NvaVariable) is { Length: > 0 } env ? env : $"127.0.0.1:{NvaServerOptions.DefaultPort}",
    };

    /// <summary>
    /// An option that takes a list, repeated (--x 1 --x 2), space- or comma-separated (--x 1,2):
    /// each item parsed with <paramref name="parse"/>, errors naming the option.
    /// </summary>
    public static Option<T[]> ListOption<T>(string name, string description, T[] defaults, Func<string, T> parse) => new(name)
    {
        Description = description + " (repeat, or separate with commas)",
        AllowMultipleArgumentsPerToken = true,
        DefaultValueFactory = _ => defaults,
        CustomParser = result =>
        {
            var items = new List<T>();
            foreach (var token in result.Tokens)
            {
                foreach (var item in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    try
                    {
                        items.Add(parse(item));
                    }
                    catch (FormatException)
                    {
                        result.AddError($"{name}: '{item}' is not a number.");
                        return defaults;
                    }
                }
            }
            return [.. items];
        },
    };

    /// <summary>An invariant-culture integer.</summary>
    public static int ParseInt(string text) => int.Parse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An invariant-culture number (no thousands separators).</summary>
    public static double ParseDouble(string text) => double.Parse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The switch for machine-readable output.</summary>
    public static Option<bool> JsonOption() => new("--json") { Description = "Print JSON instead of a table." };

    /// <summary>The log level option of long-running commands.</summary>
    public static Option<LogLevel> LogLevelOption() => new("--log-level")
    {
        Description = "Least severe log messages to print: Trace, Debug, Information, Warning, Error.",
        DefaultValueFactory = _ => LogLevel.Information,
    };

    /// <summary>Opens a client for the NVA, or the NVA replicas, named by <paramref name="text"/> (A or A,B,C).</summary>
    public static NvaClient Connect(string text) => new(NvaClient.ParseAddresses(text));

    /// <summary>A console logger factory for long-running commands.</summary>
    public static ILoggerFactory Logging(LogLevel level) => LoggerFactory.Create(b => b
        .SetMinimumLevel(level)
        .AddFilter("Microsoft", LogLevel.Warning)
        .AddFilter("Grpc", LogLevel.Warning)
        // A host that fails to start logs it with a stack trace; NvaServer reports it as one line.
        .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None)
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        }));

    /// <summary>"nvo3 nva serve" for the command being run.</summary>
    public static string CommandPath(ParseResult parseResult)
    {
        var names = new List<string>();
        for (var r = parseResult.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(r.Command is RootCommand ? "nvo3" : r.Command.Name);
        }
        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>
    /// Sets an action that runs <paramref name="body"/> and turns failures into one clear line on
    /// stderr and an exit code: refusals and unreachable NVAs exit 1, bad input exits 2.
    /// </summary>
    public static void Handle(this Command command, Func<ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            string name = CommandPath(parseResult);
            try
            {
                return await body(parseResult, cancellationToken).ConfigureAwait(false);
            }
            catch (NvaException ex)
            {
                await Console.Error.WriteLineAsync($"{name}: {ex.Message}").ConfigureAwait(false);
                return ex.Error == NvaError.InvalidArgument ? Usage : Failed;
            }
            catch (ArgumentException ex)
            {
                // Its Message ends in " (Parameter 'x')", which names our code, not the user's option.
                string message = ex.ParamName is { } parameter ? ex.Message.Replace($" (Parameter '{parameter}')", "", StringComparison.Ordinal) : ex.Message;
                await Console.Error.WriteLineAsync($"{name}: {message}").ConfigureAwait(false);
                return Usage;
            }
            catch (FormatException ex)
            {
                await Console.Error.WriteLineAsync($"{name}: {ex.Message}").ConfigureAwait(false);
                return Usage;
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"{name}: {ex.Message}").ConfigureAwait(false);
                return Failed;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"{name}: interrupted.").ConfigureAwait(false);
                return 130;
            }
        });
    }
}
