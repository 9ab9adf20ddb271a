using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Nvo3.Nva;
using Nvo3.Nve;
using Nvo3.Packets;

namespace Nvo3.Lab;

/// <summary>
/// Runs one scenario in a fresh in-process lab: a workload at NVE a, a correspondent at NVE c
/// probing it every millisecond, a move from a to b in the middle, and the figures of DESIGN 9.
/// </summary>
public sealed class ScenarioRunner(DemoOptions options, ILoggerFactory? loggerFactory = null)
{
    private const uint Vni = 100;
    private static readonly MacAddress s_vmMac = MacAddress.Parse("02:00:00:00:01:01");
    private static readonly MacAddress s_peerMac = MacAddress.Parse("02:00:00:00:01:03");

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
        await lab.Client.CreateVirtualNetworkAsync(new VirtualNetwork(Vni, "demo", NetworkMode.L2,
            [IpPrefix.Parse("10.0.0.0/24"), IpPrefix.Parse("fd00:100::/64")], [], options.CacheLifetime), cancellationToken).ConfigureAwait(false);
        var a = await lab.AddNveAsync("a", cancellationToken: cancellationToken).ConfigureAwait(false);
        var b = await lab.AddNveAsync("b", cancellationToken: cancellationToken).ConfigureAwait(false);
        var c = await lab.AddNveAsync("c", cancellationToken: cancellationToken).ConfigureAwait(false);
        var vm = await lab.AddVmAsync("vm1", Vni, s_vmMac, IpAddr.Parse("10.0.0.1"), IpAddr.Parse("fd00:100::1"), a, spec.Announce, cancellationToken).ConfigureAwait(false);
        var peer = await lab.AddVmAsync("peer", Vni, s_peerMac, IpAddr.Parse("10.0.0.3"), IpAddr.Parse("fd00:100::3"), c, cancellationToken: cancellationToken).ConfigureAwait(false);
        var target = spec.Family == "ipv6" ? vm.IPv6!.Value : vm.IPv4!.Value;

        using var probes = new ProbeStream(peer, target, options.ProbeInterval);
        await InProcessLab.WaitForAsync(() => vm.Probes.Unique > 10, "probes to flow", cancellationToken).ConfigureAwait(false);
        await Task.Delay(options.Warmup, cancellationToken).ConfigureAwait(false);

        long forwardedBefore = a.Counters.ForwardedInFlight;
        long flushedBefore = b.Counters.Flushed;
        var move = new LabMove(lab, vm, Vni, a, b);
        await move.BeginAsync(cancellationToken).ConfigureAwait(false);
        await move.SwitchOverAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (spec.Announce.HasFlag(Announcement.Rarp))
        {
            vm.AskRarp();
        }

        // Probes keep flowing until the correspondent's cache has turned over and the redirect expired.
        var settle = options.CacheLifetime + lab.Nva.Authority.Settings.RedirectGrace + TimeSpan.FromMilliseconds(300);
        await Task.Delay(settle, cancellationToken).ConfigureAwait(false);
        probes.Stop();
        await InProcessLab.WaitForAsync(() => vm.Probes.Unique >= probes.Sent, "the last probes", cancellationToken, TimeSpan.FromMilliseconds(500))
            .ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        await move.CompleteAsync(cancellationToken).ConfigureAwait(false);

        long sent = probes.Sent;
        long received = vm.Probes.Unique;
        long freq = Stopwatch.Frequency;
        long windowFrom = move.PausedTicks - freq / 20;
        long windowTo = move.ActivatedTicks + freq / 2;
        double downtime = vm.Probes.LongestGap(windowFrom, windowTo) * 1000.0 / freq;
        var entry = c.GetRemote(Vni, vm.Mac);
        double convergence = entry?.Peer?.Name == b.Name ? Math.Max(0, b.Milliseconds(move.ActivatedTicks, entry.ChangedTicks)) : -1;
        long forwarded = a.Counters.ForwardedInFlight - forwardedBefore;
        long buffered = b.Counters.Flushed - flushedBefore;

        var notes = new List<string>();
        bool passed = sent > 0 && received == sent && convergence >= 0;
        if (!options.InflightForwarding)
        {
            notes.Add($"in-flight forwarding off: {sent - received} probe(s) lost that the redirect would have carried");
        }
        else if (!options.Push && forwarded == 0)
        {
            passed = false;
            notes.Add("no packet was in flight to forward");
        }
        if (spec.Announce.HasFlag(Announcement.Rarp))
        {
            await InProcessLab.WaitForAsync(() => vm.RarpAnswer is not null, "the RARP reply", cancellationToken, TimeSpan.FromSeconds(2))
                .ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            bool answered = vm.RarpAnswer == vm.IPv4;
            passed &= answered;
            notes.Add(answered ? $"RARP reply gave {vm.RarpAnswer}" : "no RARP reply");
        }
        notes.Add($"activated by {b.GetPort(Vni, vm.Mac)?.ActivatedBy?.ToString().ToLowerInvariant() ?? "?"}");
        notes.Add("state transfer: none (the migration engine adds it)");

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
            PauseMs = Math.Round(move.PauseMs, 3),
            DowntimeMs = Math.Round(downtime, 3),
            ConvergenceMs = Math.Round(convergence, 3),
            Migration = new MigrationFigures(),
            Passed = passed,
            Notes = string.Join("; ", notes),
            NveUnderlay = lab.Edges.ToDictionary(e => e.Name, e => e.Endpoint.ToString()),
            NveCounters = lab.Edges.ToDictionary(e => e.Name, e => e.Counters.Snapshot()),
        };
    }
}
