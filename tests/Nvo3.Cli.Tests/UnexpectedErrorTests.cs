using System.CommandLine;

namespace Nvo3.Cli.Tests;

/// <summary>
/// What a command that fails in a way nobody sorted (a bug, an exception type no handler names)
/// prints: one line with the type and message and exit 1; the stack trace only at --log-level Debug.
/// In process, with stderr redirected, so not in parallel with anything else that writes to it.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class UnexpectedErrorTests
{
    [Fact]
    public async Task Handle_UnexpectedException_OneLineWithTypeAndExitOne()
    {
        var (code, stderr) = await RunAsync([]);

        Assert.Equal(Cli.Failed, code);
        Assert.Equal("nvo3 boom: unexpected InvalidOperationException: the widget broke (in two lines).", stderr.TrimEnd('\n'));
    }

    [Fact]
    public async Task Handle_UnexpectedExceptionAtDebug_AlsoPrintsTheTrace()
    {
        var (code, stderr) = await RunAsync(["--log-level", "Debug"]);

        Assert.Equal(Cli.Failed, code);
        var lines = stderr.TrimEnd('\n').Split('\n');
        Assert.Equal("nvo3 boom: unexpected InvalidOperationException: the widget broke (in two lines).", lines[0]);
        Assert.Contains(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    private static async Task<(int Code, string Stderr)> RunAsync(string[] extra)
    {
        var root = new RootCommand();
        var boom = new Command("boom") { Cli.LogLevelOption() };
        boom.Handle((_, _) => throw new InvalidOperationException("the widget broke\n(in two lines)."));
        root.Subcommands.Add(boom);
        var saved = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            int code = await root.Parse(["boom", .. extra]).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
            return (code, captured.ToString());
        }
        finally
        {
            Console.SetError(saved);
        }
    }
}
