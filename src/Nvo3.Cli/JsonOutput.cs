using System.CommandLine;
using System.Text.Json.Nodes;

namespace Nvo3.Cli;

/// <summary>
/// <c>--json [PATH]</c> of the commands that print a report (demo, bench): alone (or <c>--json -</c>)
/// it prints the JSON on stdout instead of the table; with a PATH it writes the file and the table
/// is printed as before. Listing commands take a plain <c>--json</c> switch (<see cref="Cli.JsonOption"/>).
/// </summary>
internal static class JsonOutput
{
    /// <summary>The option, described by <paramref name="what"/> ("the report", "the figures").</summary>
    public static Option<string?> Create(string what) => new("--json")
    {
        Description = $"Print {what} as JSON on stdout instead of the table (--json, or --json -), or write it to PATH (--json PATH).",
        Arity = ArgumentArity.ZeroOrOne,
        HelpName = "PATH",
    };

    /// <summary>True when JSON goes to stdout: the table must then stay off stdout.</summary>
    public static bool ToStdout(ParseResult parseResult, Option<string?> option) =>
        parseResult.GetResult(option) is not null && parseResult.GetValue(option) is null or "-";

    /// <summary>The file to write, or null (not asked for, or stdout).</summary>
    public static string? File(ParseResult parseResult, Option<string?> option) =>
        parseResult.GetValue(option) is { } path and not "-" ? path : null;

    /// <summary>Prints <paramref name="json"/> on stdout or writes it to the file, as the option asks; does nothing when it was not given.</summary>
    public static async Task WriteAsync(ParseResult parseResult, Option<string?> option, Func<string> json, CancellationToken cancellationToken)
    {
        if (ToStdout(parseResult, option))
        {
            Console.WriteLine(json());
        }
        else if (File(parseResult, option) is { } path)
        {
            await System.IO.File.WriteAllTextAsync(path, json(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary><see cref="WriteAsync(ParseResult, Option{string?}, Func{string}, CancellationToken)"/> for a JSON node.</summary>
    public static Task WriteAsync(ParseResult parseResult, Option<string?> option, Func<JsonNode> json, CancellationToken cancellationToken) =>
        WriteAsync(parseResult, option, () => Json.Print(json()), cancellationToken);
}
