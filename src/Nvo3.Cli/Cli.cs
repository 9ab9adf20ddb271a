using System.CommandLine;
using Microsoft.Extensions.Logging;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Nva.Hosting;
using Nvo3.Security;

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

    /// <summary>The folder of this process's certificate (<c>cert.pem</c>, <c>key.pem</c>, <c>ca.pem</c> from <c>nvo3 pki issue</c>).</summary>
    public static Option<string?> TlsDirOption() => new("--tls-dir")
    {
        Description = $"Serve mutual TLS with the certificate in this folder (cert.pem, key.pem, ca.pem from nvo3 pki issue; default: ${TlsMaterial.DirectoryVariable} when set).",
    };

    /// <summary>The explicit switch for plain text.</summary>
    public static Option<bool> InsecureOption() => new("--insecure")
    {
        Description = "Plain text: no certificates, anyone who reaches the port is trusted (a warning is logged). Not with --tls-dir.",
    };

    /// <summary>The switch for machine-readable output.</summary>
    public static Option<bool> JsonOption() => new("--json") { Description = "Print JSON instead of a table." };

    /// <summary>The log level option of long-running commands.</summary>
    public static Option<LogLevel> LogLevelOption() => new("--log-level")
    {
        Description = "Least severe log messages to print: Trace, Debug, Information, Warning, Error.",
        DefaultValueFactory = _ => LogLevel.Information,
    };

    /// <summary>
    /// Opens a client for the NVA, or the NVA replicas, named by <paramref name="text"/> (A or
    /// A,B,C), with the command's <c>--tls-dir</c> / <c>--insecure</c> (see <see cref="ClientSecurity"/>).
    /// </summary>
    public static NvaClient Connect(string text) => new(NvaClient.ParseAddresses(text), ClientSecurity().Tls);

    /// <summary>The parse of the command being run (set by <see cref="CliRoot.RunAsync"/>).</summary>
    internal static ParseResult? Invocation { get; set; }

    private static int s_warnedInsecure;

    /// <summary>
    /// How this command talks to the NVA: mutual TLS with <c>--tls-dir DIR</c> (or
    /// <c>NVO3_TLS_DIR</c>), plain text with <c>--insecure</c> (a warning on stderr), plain text
    /// when nothing is said. Both options at once is bad input.
    /// </summary>
    public static TransportSecurity ClientSecurity()
    {
        var command = Invocation?.CommandResult.Command;
        var dir = command?.Options.OfType<Option<string?>>().FirstOrDefault(o => o.Name == "--tls-dir");
        var insecure = command?.Options.OfType<Option<bool>>().FirstOrDefault(o => o.Name == "--insecure");
        var security = TransportSecurity.FromOptions(dir is null ? null : Invocation!.GetValue(dir), insecure is not null && Invocation!.GetValue(insecure));
        if (security.Mode == TransportSecurityMode.Insecure && Interlocked.Exchange(ref s_warnedInsecure, 1) == 0)
        {
            Console.Error.WriteLine("nvo3: warning: --insecure: talking to the NVA in plain text, without proving who anyone is.");
        }
        return security;
    }

    /// <summary>
    /// Gives every command that talks to the NVA (it has <c>--nva</c>) the client's
    /// <c>--tls-dir</c> and <c>--insecure</c>, unless it has its own.
    /// </summary>
    public static void AddClientSecurityOptions(Command command)
    {
        if (command.Options.Any(o => o.Name == "--nva") && !command.Options.Any(o => o.Name == "--tls-dir"))
        {
            command.Options.Add(new Option<string?>("--tls-dir")
            {
                Description = $"Talk to the NVA over mutual TLS with the certificate in this folder (cert.pem, key.pem, ca.pem from nvo3 pki issue; default: ${TlsMaterial.DirectoryVariable} when set).",
            });
            command.Options.Add(new Option<bool>("--insecure")
            {
                Description = "Talk to the NVA in plain text (only to an NVA started with --insecure); a warning is printed. Not with --tls-dir.",
            });
        }
        foreach (var sub in command.Subcommands)
        {
            AddClientSecurityOptions(sub);
        }
    }

    /// <summary>A console logger factory for long-running commands.</summary>
    public static ILoggerFactory Logging(LogLevel level) => LoggerFactory.Create(b => b
        .SetMinimumLevel(level)
        .AddFilter("Microsoft", LogLevel.Warning)
        .AddFilter("Grpc", LogLevel.Warning)
        // A host that fails to start logs it with a stack trace; NvaServer reports it as one line.
        .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None)
        .AddConsoleFormatted());

    // Under systemd, journald's form: one line per message, "<6>" (the syslog priority) first, no
    // colour and no timestamp (the journal stamps each line); else one line with a UTC time.
    private static ILoggingBuilder AddConsoleFormatted(this ILoggingBuilder builder) => DaemonHost.UnderSystemd
        ? builder.AddSystemdConsole(o => o.UseUtcTimestamp = true)
        : builder.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });

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
    /// stderr and an exit code: refusals, unreachable NVAs and anything unexpected exit 1, bad
    /// input exits 2; never a stack trace (the full exception is printed only at --log-level Debug).
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
                return await FailAsync(name, ex.Message, ex.Error == NvaError.InvalidArgument ? Usage : Failed).ConfigureAwait(false);
            }
            catch (ArgumentException ex)
            {
                // Its Message ends in " (Parameter 'x')", which names our code, not the user's option.
                string message = ex.ParamName is { } parameter ? ex.Message.Replace($" (Parameter '{parameter}')", "", StringComparison.Ordinal) : ex.Message;
                return await FailAsync(name, message, Usage).ConfigureAwait(false);
            }
            catch (FormatException ex)
            {
                return await FailAsync(name, ex.Message, Usage).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                return await FailAsync(name, ex.Message, Failed).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return await FailAsync(name, "interrupted.", 130).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // A bug or a failure nobody sorted yet: still one line, with what it was.
                int code = await FailAsync(name, $"unexpected {ex.GetType().Name}: {ex.Message}", Failed).ConfigureAwait(false);
                if (WantsDebug(parseResult))
                {
                    await Console.Error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
                }
                return code;
            }
        });
    }

    /// <summary>Prints "<paramref name="name"/>: <paramref name="message"/>" as one line on stderr and returns <paramref name="exitCode"/>.</summary>
    public static async Task<int> FailAsync(string name, string message, int exitCode)
    {
        await Console.Error.WriteLineAsync(OneLine($"{name}: {message}")).ConfigureAwait(false);
        return exitCode;
    }

    /// <summary><paramref name="text"/> with its line breaks (a gRPC detail, an inner message) folded into spaces.</summary>
    public static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    // True when the command has a --log-level option set to Debug or Trace.
    private static bool WantsDebug(ParseResult parseResult) =>
        parseResult.CommandResult.Command.Options.OfType<Option<LogLevel>>().FirstOrDefault(o => o.Name == "--log-level") is { } option
        && parseResult.GetValue(option) <= LogLevel.Debug;
}
