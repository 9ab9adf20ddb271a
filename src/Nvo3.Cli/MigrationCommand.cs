using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Nvo3.Nva;

namespace Nvo3.Cli;

/// <summary>
/// <c>nvo3 migration list|show|abort|settle</c>: the directory's records of moves, for operators.
/// (<c>nvo3 migrate</c> starts a move; this looks at them and ends the ones nobody will.)
/// </summary>
internal static class MigrationCommand
{
    public static Command Create()
    {
        var nva = Cli.NvaOption();
        var json = Cli.JsonOption();
        var id = new Argument<string>("ID") { Description = "The migration's id (nvo3 migration list shows them)." };

        var open = new Option<bool>("--open") { Description = "Only migrations still under way (prepared, paused or activated)." };
        var list = new Command("list", "List migrations, oldest first: phase, deadline of the phase, how each ended.") { nva, open, json };
        list.Handle(async (p, ct) =>
        {
            using var client = Cli.Connect(p.GetValue(nva)!);
            var migrations = await client.ListMigrationsAsync(p.GetValue(open), ct).ConfigureAwait(false);
            if (p.GetValue(json))
            {
                Console.WriteLine(Json.Print(new JsonObject { ["migrations"] = new JsonArray(migrations.Select(m => (JsonNode)Json.Migration(m)).ToArray()) }));
                return Cli.Ok;
            }
            var table = new TextTable("ID", "WORKLOAD", "FROM", "TO", "MODE", "PHASE", "STARTED", "DEADLINE", "ENDED", "RESULT");
            foreach (var m in migrations)
            {
                table.Add(m.Id, m.Name, m.Source, m.Destination, Lower(m.Mode), Lower(m.Phase), Time(m.Started), Time(m.Deadline), Time(m.Ended),
                    m.Result is null ? "-" : m.SettledBy is null ? m.Result : $"{m.Result} (settled by {m.SettledBy})");
            }
            Console.Write(table);
            return Cli.Ok;
        });

        var show = new Command("show", "Show one migration.") { nva, id, json };
        show.Handle(async (p, ct) =>
        {
            using var client = Cli.Connect(p.GetValue(nva)!);
            Print(await client.GetMigrationAsync(p.GetValue(id)!, ct).ConfigureAwait(false), p.GetValue(json), null);
            return Cli.Ok;
        });

        var reason = new Option<string>("--reason") { Description = "Why, recorded as its result.", DefaultValueFactory = _ => "aborted by an operator" };
        var abort = new Command("abort", "Give a migration up before its switchover: the destination is disassociated, the directory is as before. "
            + "Refused once the destination was activated (settle it, or migrate back).") { nva, id, reason, json };
        abort.Handle(async (p, ct) =>
        {
            using var client = Cli.Connect(p.GetValue(nva)!);
            Print(await client.AbortMigrationAsync(p.GetValue(id)!, p.GetValue(reason)!, ct).ConfigureAwait(false), p.GetValue(json), "aborted");
            return Cli.Ok;
        });

        var by = new Option<string>("--by") { Description = "Who settles it, recorded with it.", DefaultValueFactory = _ => Environment.UserName };
        var settle = new Command("settle", "End a migration whose coordinator is gone, now, as the leader would at its deadline: completed when the "
            + "directory saw the destination activate (the source is disassociated), else aborted (the destination is disassociated).") { nva, id, by, json };
        settle.Handle(async (p, ct) =>
        {
            using var client = Cli.Connect(p.GetValue(nva)!);
            Print(await client.SettleMigrationAsync(p.GetValue(id)!, p.GetValue(by)!, ct).ConfigureAwait(false), p.GetValue(json), "settled");
            return Cli.Ok;
        });

        return new Command("migration", "The directory's records of migrations: list, show, abort, settle.") { list, show, abort, settle };
    }

    private static void Print(Nva.Migration m, bool json, string? verb)
    {
        if (json)
        {
            Console.WriteLine(Json.Print(Json.Migration(m)));
            return;
        }
        if (verb is not null)
        {
            Console.WriteLine($"{verb} {m.Id}: {Lower(m.Phase)}{(m.Result is null ? "" : $" ({m.Result})")}");
            return;
        }
        Console.WriteLine($"migration {m.Id}");
        Console.WriteLine($"  workload  {m.Name} ({m.Mac} in VNI {m.Vni.ToString(CultureInfo.InvariantCulture)})");
        Console.WriteLine($"  move      {m.Source} -> {m.Destination}, {Lower(m.Mode)}");
        Console.WriteLine($"  phase     {Lower(m.Phase)}{(m.Deadline is { } d ? $", settled by the NVA at {Time(d)} if still so" : "")}");
        Console.WriteLine($"  times     started {Time(m.Started)}, paused {Time(m.Paused)}, activated {Time(m.Activated)}, ended {Time(m.Ended)}");
        if (m.Result is not null)
        {
            Console.WriteLine($"  result    {m.Result}{(m.SettledBy is null ? "" : $" (settled by {m.SettledBy})")}");
        }
    }

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static string Time(DateTimeOffset? time) => time?.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? "-";
}
