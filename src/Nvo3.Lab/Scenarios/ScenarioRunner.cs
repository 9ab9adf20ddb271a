using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Nvo3.Migration;
using Nvo3.Nva;
using Nvo3.Nve;
using Nvo3.Packets;

namespace Nvo3.Lab;

/// <summary>
/// Runs one scenario in a fresh in-process lab: a workload at NVE a (a VM's network stack and its
/// memory and disk), a correspondent at NVE c probing it every millisecond, a move from a to b by
/// the migration engine driving the NVA and NVEs, and the figures of DESIGN 9.
/// </summary>
public sealed class ScenarioRunner(DemoOptions options, ILoggerFactory? loggerFactory = null)
{
    private const uint Vni = 100;
    /// <summary>The moving workload's MAC in every scenario.</summary>
    public static MacAddress WorkloadMac { get; } = MacAddress.Parse("02:00:00:00:01:0a");

    private static readonly MacAddress s_vmMac = WorkloadMac;
    private static readonly MacAddress s_peerMac = MacAddress.Parse("02:00:00:00:01:1e");

    /// <summary>
    /// Runs one small hot move through a whole lab and throws the figures away, so that the first
    /// scenario measured does not pay for compiling the code paths of a move (the first state
    /// hash alone is ten times slower than the next).
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken = default)
    {
        var quick = new ScenarioRunner(options with
        {
            Workload = new WorkloadShape { MemoryBytes = 4L << 20, DiskBytes = 1L << 20 },
            Warmup = TimeSpan.FromMilliseconds(20),
            CacheLifetime = TimeSpan.FromMilliseconds(100),
            Capture = null,
        }, loggerFactory);
        await quick.RunAsync(ScenarioSpec.All[0], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="spec"/>; throws only when the lab itself cannot run.</summary>
    public async Task<ScenarioReport> RunAsync(ScenarioSpec spec, CancellationToken cancellationToken = default)
    {
        var labOptions = new LabOptions
        {
            Underlay = options.Underlay,
            Capture = options.Capture,
            ConfigureNve = o => o with
            {
                Mode = options.Push ? UpdateMode.Push : UpdateMode.Pull,
                InflightForwarding = options.InflightForwarding,
            },
        };
        await using var lab = await InProcessLab.StartAsync(labOptions, loggerFactory, cancellationToken).ConfigureAwait(false);
        bool layer3 = spec.Layer == "l3";
        await lab.Client.CreateVirtualNetworkAsync(new VirtualNetwork(Vni, "demo", layer3 ? NetworkMode.L3 : NetworkMode.L2,
            [IpPrefix.Parse("10.0.0.0/24"), IpPrefix.Parse("fd00:100::/64")], [], options.CacheLifetime,
            spec.Ila ? 0xFD00_0100_0000_0000UL : null), cancellationToken).ConfigureAwait(false);
        var a = await lab.AddNveAsync("a", cancellationToken: cancellationToken).ConfigureAwait(false);
        var b = await lab.AddNveAsync("b", cancellationToken: cancellationToken).ConfigureAwait(false);
        var c = await lab.AddNveAsync("c", cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var edge in lab.Edges)
        {
            await InProcessLab.WaitForAsync(() => edge.View.Networks.ContainsKey(Vni), "the network", cancellationToken).ConfigureAwait(false);
        }
        // The VM, with its memory and disk dirtied while it runs, and its correspondent.
        var vm = (await lab.Host(a).StartVmAsync("vm1", Vni, s_vmMac, [IpAddr.Parse("10.0.0.10"), IpAddr.Parse("fd00:100::10")], options.Workload, options.Dirtying,
            spec.Announce, cancellationToken).ConfigureAwait(false)).Vm;
        var peer = await lab.AddVmAsync("peer", Vni, s_peerMac, IpAddr.Parse("10.0.0.30"), IpAddr.Parse("fd00:100::30"), c, cancellationToken: cancellationToken).ConfigureAwait(false);
        var target = spec.Family == "ipv6" ? vm.IPv6!.Value : vm.IPv4!.Value;

        // The probes measure the move: their path is resolved before the first one leaves.
        await peer.PingUntilAnsweredAsync(target, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        using var probes = new ProbeStream(peer, target, options.ProbeInterval);
        await InProcessLab.WaitForAsync(() => vm.Probes.Unique > 10, "probes to flow", cancellationToken).ConfigureAwait(false);
        await Task.Delay(options.Warmup, cancellationToken).ConfigureAwait(false);

        long forwardedBefore = a.Counters.ForwardedInFlight;
        long flushedBefore = b.Counters.Flushed;
        long unreachablesBefore = peer.Unreachables;
        long lookupsBefore = c.Counters.Lookups;
        var mode = spec.Mode switch
        {
            "cold" => MigrationMode.Cold,
            "warm" => MigrationMode.Warm,
            "hot-standby" => MigrationMode.HotStandby,
            _ => MigrationMode.Hot,
        };
        var move = lab.NewMove(vm, Vni, a, b, mode, spec.Suspend);
        var report = await move.RunAsync(lab.Driver(a, b, new EmulatedMoveSettings
        {
            PreCopy = options.PreCopy,
            Transfer = options.Transfer,
            Checkpoints = options.Checkpoints,
        }), cancellationToken: cancellationToken).ConfigureAwait(false);
        var result = report.Transfer ?? throw new InvalidOperationException($"The move never transferred: {report.Reason}");
        long sentAtActivation = probes.Sent;
        if (spec.Announce.HasFlag(Announcement.Rarp))
        {
            vm.AskRarp();
        }

        // Probes keep flowing until the correspondent's cache has turned over and the redirect expired.
        var settle = options.CacheLifetime + lab.Nva.Authority.Settings.RedirectGrace + TimeSpan.FromMilliseconds(300);
        await Task.Delay(settle, cancellationToken).ConfigureAwait(false);
        probes.Stop();
        await InProcessLab.WaitForAsync(() => vm.Probes.Unique >= probes.Sent, "the last probes", cancellationToken, TimeSpan.FromSeconds(2))
            .ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        if (report.Outcome == MigrationOutcome.Completed)
        {
            await move.ReleaseAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }
        long activatedTicks = b.GetPort(Vni, vm.Mac)?.ActivatedTicks ?? 0;

        long sent = probes.Sent;
        long received = vm.Probes.Unique;
        long freq = Stopwatch.Frequency;
        // The longest silence that overlaps the move (from its pause to half a second after the
        // activation), counted whole even when it began before the pause was stamped.
        double downtime = activatedTicks == 0 ? -1 : vm.Probes.LongestGap(move.PausedTicks, activatedTicks + freq / 2) * 1000.0 / freq;
        var entry = c.GetRemote(Vni, vm.Mac);
        double convergence = entry?.Peer?.Name == b.Name ? Math.Max(0, b.Milliseconds(activatedTicks, entry.ChangedTicks)) : -1;
        long forwarded = a.Counters.ForwardedInFlight - forwardedBefore;
        long buffered = b.Counters.Flushed - flushedBefore;
        long missingAfter = Enumerable.Range((int)Math.Min(sentAtActivation + 50, sent), (int)Math.Max(0, sent - sentAtActivation - 50)).LongCount(s => !vm.Probes.Seen(s));
        long unreachables = peer.Unreachables - unreachablesBefore;
        long lookups = c.Counters.Lookups - lookupsBefore;

        var notes = new List<string>();
        bool passed = report.Outcome == MigrationOutcome.Completed && result.StateVerified && sent > 0 && convergence >= 0 && report.LateFailures.Count == 0;
        if (report.Outcome != MigrationOutcome.Completed)
        {
            notes.Add($"migration {report.Outcome.ToString().ToLowerInvariant()}: {report.Reason}");
        }
        foreach (var failure in report.LateFailures)
        {
            notes.Add($"after the switchover, {failure}");
        }
        if (!result.StateVerified)
        {
            notes.Add("the state hashes were not verified equal");
        }
        if (convergence < 0)
        {
            notes.Add($"the correspondent's NVE still sends to {entry?.Peer?.Name ?? "nobody"}");
        }
        if (spec.Mode == "cold")
        {
            // A stopped task loses what is sent to it while it moves; after, everything arrives.
            passed &= missingAfter == 0;
            notes.Add($"{sent - received} probe(s) sent while the task was stopped were not delivered; none after it started");
            if (spec.Suspend == SuspendPolicy.Unreachable)
            {
                passed &= unreachables > 0;
                notes.Add($"the correspondent received {unreachables} destination unreachable(s) while it was stopped");
            }
        }
        else
        {
            passed &= received == sent;
            if (received != sent && options.InflightForwarding)
            {
                notes.Add($"{sent - received} probe(s) lost ({Missing(vm.Probes, sent)}; sent at activation {sentAtActivation}; drops {Drops(lab)})");
            }
            if (!options.InflightForwarding)
            {
                notes.Add($"in-flight forwarding off: {sent - received} probe(s) lost that the redirect would have carried");
            }
            else if (!options.Push && forwarded == 0)
            {
                passed = false;
                notes.Add("no packet was in flight to forward");
            }
        }
        if (spec.Announce.HasFlag(Announcement.Rarp))
        {
            await InProcessLab.WaitForAsync(() => vm.RarpAnswer is not null, "the RARP reply", cancellationToken, TimeSpan.FromSeconds(2))
                .ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            bool answered = vm.RarpAnswer == vm.IPv4;
            passed &= answered;
            notes.Add(answered ? $"RARP reply gave {vm.RarpAnswer}" : "no RARP reply");
        }
        if (layer3)
        {
            // In a Layer-3 network every neighbour of every VM is the anycast gateway, before and after the move.
            var gateway = VirtualNetwork.AnycastGatewayMac(Vni);
            var strays = new[] { vm, peer }.SelectMany(v => v.Neighbors.Where(n => n.Value != gateway).Select(n => $"{v.Name}: {n.Key} at {n.Value}")).ToList();
            passed &= strays.Count == 0;
            notes.Add(strays.Count == 0 ? "every neighbour entry is the gateway's MAC" : "neighbour entries not at the gateway: " + string.Join(", ", strays));
        }
        notes.Add($"activated by {b.GetPort(Vni, vm.Mac)?.ActivatedBy?.ToString().ToLowerInvariant() ?? "?"}");
        notes.Add(result.Switchover != SwitchoverReason.None ? $"switched over: {result.Switchover}" : "");
        if (result.StateAge > TimeSpan.Zero)
        {
            notes.Add($"resumed from a checkpoint {result.StateAge.TotalMilliseconds:0} ms old");
        }

        return new ScenarioReport
        {
            Name = spec.Name,
            Layer = spec.Layer,
            Family = spec.Family,
            Mode = spec.Mode,
            UpdateMode = options.Push ? "push" : "pull",
            InflightForwarding = options.InflightForwarding,
            Underlay = options.Underlay == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4",
            Probe = new ProbeFigures
            {
                IntervalMs = options.ProbeInterval.TotalMilliseconds,
                Sent = sent,
                Received = received,
                Lost = sent - received,
                Duplicated = vm.Probes.Duplicates,
                Reordered = vm.Probes.Reordered,
            },
            ForwardedInFlight = forwarded,
            BufferedAtActivation = buffered,
            PauseMs = Math.Round(result.Downtime.TotalMilliseconds, 3),
            DowntimeMs = Math.Round(downtime, 3),
            ConvergenceMs = Math.Round(convergence, 3),
            Migration = new MigrationFigures
            {
                MemoryBytes = result.MemoryBytes,
                DiskBytes = result.DiskBytes,
                BytesSent = result.BytesSent,
                Rounds = result.Rounds,
                StateVerified = result.StateVerified,
                TotalMs = Math.Round(result.TotalTime.TotalMilliseconds, 3),
                PredictedPauseMs = Math.Round(result.PredictedDowntime.TotalMilliseconds, 3),
                VerificationMs = Math.Round(result.VerificationTime.TotalMilliseconds, 3),
                Switchover = result.Switchover.ToString().ToLowerInvariant(),
                Bandwidth = Math.Round(result.Bandwidth),
            },
            CorrespondentLookups = lookups,
            Unreachables = unreachables,
            Passed = passed,
            Notes = string.Join("; ", notes.Where(n => n.Length > 0)),
            NveUnderlay = lab.Edges.ToDictionary(e => e.Name, e => e.Endpoint.ToString()),
            NveCounters = lab.Edges.ToDictionary(e => e.Name, e => e.Counters.Snapshot()),
            Timeline = ScenarioTimeline.Capture(probes, vm.Probes, move, activatedTicks, result, convergence),
        };
    }

    // The first missing sequence numbers, to tell a loss at the move from one elsewhere.
    private static string Missing(ProbeLog log, long sent)
    {
        var missing = Enumerable.Range(0, (int)sent).Where(s => !log.Seen(s)).Take(10).ToList();
        return "missing " + string.Join(",", missing) + (missing.Count == 10 ? ",…" : "");
    }

    // Every NVE's non-zero drop counters, such as "a:lookupFailed=3".
    private static string Drops(InProcessLab lab)
    {
        var drops = lab.Edges.SelectMany(e => e.Counters.Snapshot()
            .Where(kv => kv.Key.StartsWith("drop.", StringComparison.Ordinal) && kv.Value > 0)
            .Select(kv => $"{e.Name}:{kv.Key["drop.".Length..]}={kv.Value}")).ToList();
        return drops.Count == 0 ? "none" : string.Join(" ", drops);
    }
}
