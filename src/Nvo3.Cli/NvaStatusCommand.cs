using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Nvo3.Cli;

/// <summary><c>nvo3 nva status</c>: each NVA replica named by --nva, whether it leads, and how far its copy of the directory is.</summary>
internal static class NvaStatusCommand
{
    public static Command Create()
    {
        var nva = Cli.NvaOption();
        var json = Cli.JsonOption();
        var status = new Command("status", "Ask each NVA replica named by --nva (A,B,C) for its name, whether it leads, the revision it holds and its counters; exits 1 when none answers.") { nva, json };
        status.Handle(async (p, ct) =>
        {
            using var client = Cli.Connect(p.GetValue(nva)!);
            var answers = await client.StatusOfEachAsync(ct).ConfigureAwait(false);
            if (p.GetValue(json))
            {
                Console.WriteLine(Json.Print(new JsonObject
                {
                    ["replicas"] = new JsonArray(answers.Select(a => (JsonNode)(a.Status is { } s
                        ? new JsonObject
                        {
                            ["address"] = a.Address.ToString(),
                            ["replica"] = s.Replica,
                            ["leader"] = s.Leader,
                            ["leaderReplica"] = s.LeaderReplica,
                            ["revision"] = s.Revision,
                            ["store"] = s.Store,
                            ["watchers"] = s.Watchers,
                            ["failovers"] = s.Failovers,
                            ["settledMigrations"] = s.Settled,
                            ["loopFailures"] = s.LoopFailures,
                        }
                        : new JsonObject { ["address"] = a.Address.ToString(), ["error"] = a.Failure })).ToArray()),
                }));
            }
            else
            {
                var table = new TextTable("ADDRESS", "REPLICA", "ROLE", "REVISION", "WATCHERS", "FAILOVERS", "SETTLED", "LOOP FAILURES");
                foreach (var (address, s, failure) in answers)
                {
                    string I(long v) => v.ToString(CultureInfo.InvariantCulture);
                    table.Add(s is null
                        ? [address.Authority, "-", "unreachable", "-", "-", "-", "-", failure ?? ""]
                        : [address.Authority, s.Replica, s.Leader ? "leader" : "follower", I(s.Revision), I(s.Watchers), I(s.Failovers), I(s.Settled), I(s.LoopFailures)]);
                }
                Console.Write(table);
            }
            if (answers.All(a => a.Status is null))
            {
                // Nobody answered: the one line every command writes when it cannot do its work.
                await Console.Error.WriteLineAsync("nvo3 nva status: " + string.Join("; ", answers.Select(a => a.Failure ?? $"no answer from {a.Address}"))).ConfigureAwait(false);
                return Cli.Failed;
            }
            return Cli.Ok;
        });
        return status;
    }
}
