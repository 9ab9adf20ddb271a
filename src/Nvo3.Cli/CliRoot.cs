using System.CommandLine;
using System.CommandLine.Invocation;

namespace Nvo3.Cli;

/// <summary>
/// The <c>nvo3</c> command tree and the one place where a run turns into an exit code: 0 done,
/// 1 refused or failed, 2 bad input (parse errors included), each error one line on stderr.
/// </summary>
internal static class CliRoot
{
    private const string MissingSubcommand = "Required command was not provided.";
    private const string Unrecognized = "Unrecognized command or argument";

    /// <summary>How long a command gets to end cleanly after SIGINT or SIGTERM before the process exits 143.</summary>
    internal static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(30);

    /// <summary>The whole command tree (also walked by the CLI contract tests).</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand(
            "nvo3: an overlay network whose VMs and tasks move between servers, hot, warm or cold, keeping their addresses and losing no packets in flight.");
        foreach (var command in Commands.All())
        {
            root.Subcommands.Add(command);
        }
        root.Subcommands.Add(CompletionCommand.Create());
        Cli.AddClientSecurityOptions(root);
        return root;
    }

    /// <summary>Parses <paramref name="args"/>, runs the command and returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var parseResult = Create().Parse(args);
        // nva serve and nve run: what --config and NVO3_* variables add, parsed like flags.
        parseResult = DaemonConfiguration.Apply(parseResult, args, Environment.GetEnvironmentVariable, out string? configError);
        if (configError is not null)
        {
            await Console.Error.WriteLineAsync(configError).ConfigureAwait(false);
            return Cli.Usage;
        }
        Cli.Invocation = parseResult;
        // Before the parse errors: a typo taken as a positional argument is the first thing to fix.
        if (StrayOption(parseResult) is { } stray)
        {
            string path = Cli.CommandPath(parseResult);
            await Console.Error.WriteLineAsync($"{path}: Unrecognized option '{stray}'; a folder or name that starts with '-' is written ./{stray}. (see {path} --help)").ConfigureAwait(false);
            return Cli.Usage;
        }
        // With errors, System.CommandLine's own action prints every error and the whole help;
        // the contract is one line and exit 2.
        if (parseResult.Action is ParseErrorAction)
        {
            await Console.Error.WriteLineAsync(ParseErrorLine(parseResult)).ConfigureAwait(false);
            return Cli.Usage;
        }
        try
        {
            // Cli.Handle catches what the commands throw; this handler would print a stack trace.
            // On SIGINT/SIGTERM System.CommandLine cancels the command and waits this long for it
            // to end before it lets the process die with 143; its default (2 s) cut a daemon's
            // clean stop short on a loaded machine (an NVA that flushes its store and closes its
            // calls), so a SIGTERM exited 143 instead of 0. Within systemd's TimeoutStopSec (90 s).
            return await parseResult.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = ShutdownGrace,
            }).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The last resort, for an action that is not wrapped by Cli.Handle.
            await Console.Error.WriteLineAsync(Cli.OneLine($"{Cli.CommandPath(parseResult)}: unexpected {ex.GetType().Name}: {ex.Message}")).ConfigureAwait(false);
            return Cli.Failed;
        }
    }

    /// <summary>
    /// A token that looks like an option but that System.CommandLine took as the value of a
    /// positional argument (<c>nvo3 pki init --typo</c> would otherwise make a folder "--typo").
    /// </summary>
    public static string? StrayOption(ParseResult parseResult) =>
        parseResult.CommandResult.Children.OfType<System.CommandLine.Parsing.ArgumentResult>()
            .SelectMany(a => a.Tokens)
            .Select(t => t.Value)
            .FirstOrDefault(v => v.Length > 1 && v[0] == '-' && !double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _));

    /// <summary>
    /// "nvo3 vn list: Unrecognized command or argument '--bogus'. (see nvo3 vn list --help)":
    /// the most useful error of <paramref name="parseResult"/> as one line.
    /// </summary>
    public static string ParseErrorLine(ParseResult parseResult)
    {
        string path = Cli.CommandPath(parseResult);
        var command = parseResult.CommandResult.Command;
        // A token nobody knows says more than "a subcommand is missing", which it often causes.
        var errors = parseResult.Errors;
        var error = errors.FirstOrDefault(e => e.Message.StartsWith(Unrecognized, StringComparison.Ordinal))
            ?? errors.FirstOrDefault(e => e.Message != MissingSubcommand) ?? errors[0];
        string message = error.Message == MissingSubcommand && command.Subcommands.Count > 0
            ? $"a subcommand is required: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}."
            : error.Message;
        return Cli.OneLine($"{path}: {message} (see {path} --help)");
    }
}
