using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using Nvo3.Nva;
using P = Nvo3.Protocol.Agent.V1;

namespace Nvo3.Cli;

/// <summary><c>nvo3 migrate VM --to NVE --mode hot|warm|cold</c>: moves a workload, showing progress.</summary>
internal static class MigrateCommand
{
    public static Command Create()
    {
        var vm = new Argument<string>("VM") { Description = "The workload's name (nvo3 vm list shows them)." };
        var to = new Option<string>("--to") { Description = "The destination NVE's name.", Required = true };
        var mode = new Option<string>("--mode") { Description = "hot: live pre-copy; warm: checkpoints to a standby, then fail over; cold: stop, send, start.", DefaultValueFactory = _ => "hot" };
        mode.AcceptOnlyFromAmong("hot", "warm", "cold");
        var nva = Cli.NvaOption();
        var bandwidth = new Option<double>("--bandwidth-mbit") { Description = "Cap the transfer at this many Mbit/s (0: no cap).", DefaultValueFactory = _ => 1000 };
        var limit = new Option<int>("--downtime-limit-ms") { Description = "Hot: switch over when the rest fits this pause (QEMU's default: 300).", DefaultValueFactory = _ => 50 };
        var rounds = new Option<int>("--max-rounds") { Description = "Hot: switch over after this many rounds anyway.", DefaultValueFactory = _ => 30 };
        var autoConverge = new Option<bool>("--auto-converge") { Description = "Hot: throttle the workload when rounds do not converge." };
        var json = Cli.JsonOption();
        json.Description = "Print the summary as JSON (progress still goes to stderr).";
        var command = new Command("migrate", "Move a workload to another NVE, hot, warm or cold, with its memory and disk; shows progress (bytes, rounds, dirty rate, remaining time) and a summary.")
        {
            vm, to, mode, nva, bandwidth, limit, rounds, autoConverge, json,
        };
        command.Handle(async (p, ct) =>
        {
            string name = p.GetValue(vm)!;
            using var client = Cli.Connect(p.GetValue(nva)!);
            var binding = (await client.ListBindingsAsync(cancellationToken: ct).ConfigureAwait(false)).FirstOrDefault(b => b.Name == name)
                ?? throw new NvaException(NvaError.NotFound, $"No workload named '{name}'; nvo3 vm list shows them.");
            string source = binding.ActiveNve ?? throw new NvaException(NvaError.FailedPrecondition, $"'{name}' is not active at any NVE.");
            var nve = (await client.ListNvesAsync(ct).ConfigureAwait(false)).Select(n => n.Nve).First(n => n.Name == source);
            var agent = nve.Agent ?? throw new NvaException(NvaError.NotFound, $"NVE '{source}', where '{name}' runs, has no agent; start it with nvo3 nve run --agent-listen.");
            using var channel = GrpcChannel.ForAddress(agent);
            var migrations = new P.Migrations.MigrationsClient(channel);
            var request = new P.MigrateRequest
            {
                Workload = name,
                Destination = p.GetValue(to)!,
                Mode = p.GetValue(mode)!,
                Bandwidth = p.GetValue(bandwidth) * 1e6 / 8,
                DowntimeLimitMs = (uint)Math.Max(1, p.GetValue(limit)),
                MaxRounds = (uint)Math.Max(1, p.GetValue(rounds)),
                AutoConverge = p.GetValue(autoConverge),
            };
            Console.Error.WriteLine($"moving {name} from {source} to {request.Destination} ({request.Mode}) through {agent} ...");
            P.MigrateSummary? summary = null;
            try
            {
                using var call = migrations.Migrate(request, cancellationToken: ct);
                await foreach (var update in call.ResponseStream.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    if (update.Progress is { } progress)
                    {
                        Console.Error.WriteLine(FormatProgress(progress));
                    }
                    else
                    {
                        summary = update.Summary;
                    }
                }
            }
            catch (RpcException ex)
            {
                throw new NvaException(ex.StatusCode == StatusCode.NotFound ? NvaError.NotFound : NvaError.FailedPrecondition, $"The agent at {agent} refused: {ex.Status.Detail}");
            }
            if (summary is null)
            {
                throw new IOException($"The agent at {agent} ended without a summary.");
            }
            Console.Write(p.GetValue(json) ? Json.Print(ToJson(name, source, request, summary)) + Environment.NewLine : Describe(name, source, request, summary));
            return ExitCode(summary);
        });
        return command;
    }

    /// <summary>
    /// 0 only when the move completed with nothing failing after its commit point: a move whose
    /// activation or commit failed once the workload ran at the destination completed, but the
    /// network may not follow it yet (nvo3 migration show/settle), so it exits 1.
    /// </summary>
    internal static int ExitCode(P.MigrateSummary summary) =>
        summary.Outcome == "completed" && summary.LateFailures.Count == 0 ? Cli.Ok : Cli.Failed;

    internal static JsonObject ToJson(string name, string source, P.MigrateRequest request, P.MigrateSummary summary) => new()
    {
        ["workload"] = name,
        ["source"] = source,
        ["destination"] = request.Destination,
        ["mode"] = request.Mode,
        ["outcome"] = summary.Outcome,
        ["reason"] = summary.Reason,
        ["migrationId"] = summary.MigrationId,
        ["memoryBytes"] = summary.MemoryBytes,
        ["diskBytes"] = summary.DiskBytes,
        ["bytesSent"] = summary.BytesSent,
        ["rounds"] = summary.Rounds,
        ["downtimeMs"] = summary.DowntimeMs,
        ["predictedMs"] = summary.PredictedMs,
        ["totalMs"] = summary.TotalMs,
        ["stateVerified"] = summary.StateVerified,
        ["switchover"] = summary.Switchover,
        ["lateFailures"] = new JsonArray([.. summary.LateFailures.Select(f => (JsonNode)f)]),
    };

    internal static string Describe(string name, string source, P.MigrateRequest request, P.MigrateSummary summary)
    {
        var text = new StringBuilder();
        string late = summary.LateFailures.Count > 0 ? $", but {summary.LateFailures.Count} step(s) failed after the switchover" : "";
        text.AppendLine(CultureInfo.InvariantCulture, $"{name}: {summary.Outcome}{(summary.Reason.Length > 0 ? $" ({summary.Reason})" : "")}{late}, {source} → {request.Destination}, migration {summary.MigrationId}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  state   {Mib(summary.MemoryBytes)} memory, {Mib(summary.DiskBytes)} disk; sent {Mib(summary.BytesSent)} ({(double)summary.BytesSent / Math.Max(1, summary.MemoryBytes + summary.DiskBytes):0.00}× the state) in {summary.Rounds} round(s)");
        text.AppendLine(CultureInfo.InvariantCulture, $"  timing  paused {summary.DowntimeMs:0.0} ms (predicted {summary.PredictedMs:0.0} ms, switchover {summary.Switchover}), total {summary.TotalMs:0} ms");
        text.AppendLine($"  verify  {(summary.StateVerified ? "the state hash at the destination equals the source's at the pause" : "NOT verified")}");
        foreach (string failure in summary.LateFailures)
        {
            text.AppendLine($"  failed  {failure}");
        }
        if (summary.LateFailures.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  the workload runs at {request.Destination}; nvo3 migration show {summary.MigrationId} says what the directory holds, nvo3 migration settle ends it");
        }
        return text.ToString();
    }

    private static string FormatProgress(P.MigrateProgress p)
    {
        string remaining = p.RemainingSeconds < 0 ? "?" : (p.RemainingSeconds * 1000).ToString("0", CultureInfo.InvariantCulture) + " ms";
        string throttle = p.Throttle > 0 ? $"  throttle {(p.Throttle * 100).ToString("0", CultureInfo.InvariantCulture)} %" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"  {p.Phase,-12} round {p.Round,2}  sent {Mib(p.BytesSent),10}  dirty {Mib(p.DirtyBytes),10}  dirty rate {p.DirtyRate / 1e6,6:0.0} MB/s  bandwidth {p.Bandwidth / 1e6,6:0.0} MB/s  remaining {remaining}{throttle}");
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
}
