using System.Diagnostics;
using System.Globalization;
using Nvo3.Lab.Reports;
using Nvo3.Migration;
using Nvo3.Nva;

namespace Nvo3.Lab.Netns;

public sealed partial class NetnsLab
{
    // Probing before and after the move, so the timeline shows the path steady on both sides of it.
    private static readonly TimeSpan LeadIn = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Tail = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// <see cref="MigrateAsync"/> while another VM of the lab sends the moving one a UDP probe every
    /// <paramref name="interval"/> through both kernel stacks and the NVEs, from a little before the
    /// move until a little after it; returns the move and its timeline for the HTML report (every
    /// probe, the pause and the activation; convergence is not drawn: the correspondent's NVE is
    /// another process and this does not measure when it learns the move). Throws
    /// <see cref="ArgumentException"/> when the lab has no other VM to probe from.
    /// </summary>
    public async Task<ProbedMove> MigrateProbedAsync(string vmName, string to, MigrationMode mode, TimeSpan interval, CancellationToken cancellationToken = default)
    {
        var vm = Vm(vmName);
        var peer = Correspondent(vm, to);
        using var probes = new NetnsProbes(peer, vm);
        await probes.StartAsync(interval, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        await Task.Delay(LeadIn, cancellationToken).ConfigureAwait(false);
        var (report, move, transfer) = await MoveAsync(vmName, to, mode, cancellationToken).ConfigureAwait(false);
        await Task.Delay(Tail, cancellationToken).ConfigureAwait(false);
        probes.Stop();

        var stream = probes.Stream!;
        var summary = new ProbeSummary(peer.Name, stream.Sent, probes.Log.Unique, stream.Sent - probes.Log.Unique,
            probes.Log.LongestGap(move.BegunTicks, Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency, interval.TotalMilliseconds);
        var timeline = ScenarioTimeline.Capture(stream, probes.Log, move, move.ActivatedTicks, transfer ?? MigrationResult.Stateless(vm.Name, mode, TimeSpan.Zero), convergenceMs: -1);
        return new ProbedMove(report, summary, timeline with
        {
            Title = $"{report.Vm} {report.From} → {report.To}",
            Description = string.Create(CultureInfo.InvariantCulture,
                $"{report.Vm} moved {report.Mode} from {report.From} to {report.To} in lab {State.Prefix} ({State.UpdateMode} updates) while {peer.Name} at {peer.CurrentHost ?? peer.Host} sent it a UDP probe every {interval.TotalMilliseconds:0.###} ms through the kernel stacks and the NVEs."),
            Figures = Figures(report, summary),
            Notes = "Convergence is not drawn: the correspondent's NVE is another process, and this move does not measure when it learns the new location."
                + (probes.ReceiveError is { } error ? $" Receiving stopped early: {error}" : ""),
        });
    }

    // Another VM to probe from: one at a third server if there is one (its path changes with the move), else any other.
    private LabVm Correspondent(LabVm vm, string to)
    {
        var others = State.Vms.Where(v => v.Name != vm.Name).ToList();
        string from = vm.CurrentHost ?? vm.Host;
        return others.FirstOrDefault(v => (v.CurrentHost ?? v.Host) is var at && at != from && at != to)
            ?? others.FirstOrDefault()
            ?? throw new ArgumentException($"Lab {State.Prefix} has no other VM to probe {vm.Name} from; a report needs two VMs (nvo3 lab netns up --vms 2).");
    }

    private static IReadOnlyList<MoveFigure> Figures(MoveReport move, ProbeSummary probes) =>
    [
        new("MOVE", $"{move.Vm} {move.From} → {move.To}"), new("MODE", move.Mode), new("FROM", probes.From),
        new("SENT", N(probes.Sent)), new("LOST", N(probes.Lost)), new("LONGEST GAP", Ms(probes.LongestGapMs)),
        new("PAUSE", Ms(move.PauseMs)), new("ACTIVATION", Ms(move.ActivationMs)), new("TOTAL", Ms(move.TotalMs)),
        new("IN FLIGHT", move.RedirectTo is null ? "dropped" : "to " + move.RedirectTo),
    ];

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Ms(double v) => v.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
}
