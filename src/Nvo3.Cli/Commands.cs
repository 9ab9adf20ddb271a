using System.CommandLine;

namespace Nvo3.Cli;

/// <summary>The top-level commands of <c>nvo3</c>, each built in its own file.</summary>
internal static class Commands
{
    public static IEnumerable<Command> All()
    {
        yield return DemoCommand.Create();
        yield return NvaCommand.Create();
        yield return VnCommand.Create();
        yield return NveCommand.Create();
        yield return LabCommand.Create();
        yield return VmCommand.Create();
        yield return MigrateCommand.Create();
        yield return MigrationCommand.Create();
        yield return LookupCommand.Create();
        yield return WatchCommand.Create();
        yield return BenchCommand.Create();
        yield return PkiCommand.Create();
    }
}
