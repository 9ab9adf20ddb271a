using System.CommandLine;
using Nvo3.Cli.Bench;

namespace Nvo3.Cli;

/// <summary>
/// <c>nvo3 bench</c>: measurements of the real components on this machine, each a subcommand
/// that prints a table and writes its figures with <c>--json PATH</c>. Adding a benchmark is one
/// more line in the list below.
/// </summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Measure Nvo3's components on this machine and print the figures (--json PATH keeps them).")
    {
        NvaBenchCommand.Create(),
        BenchDataplaneCommand.Create(),
        BenchMigrationCommand.Create(),
        BenchL3Command.Create(),
        BenchNetnsCommand.Create(),
    };
}
