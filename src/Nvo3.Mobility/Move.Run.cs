using Nvo3.Migration;

namespace Nvo3.Mobility;

public sealed partial class Move
{
    /// <summary>
    /// The whole move around <paramref name="driver"/>: begin, the driver prepares the destination,
    /// pre-association, the transfer (which pauses the source at its switchover), activation at the
    /// destination, commit. A failure before the workload runs at the destination aborts: the
    /// driver puts the workload back at the source and the network is as before. After that the
    /// destination is authoritative: later failures are reported and the move still completes.
    /// The source's old port is left for <see cref="ReleaseAsync"/>.
    /// </summary>
    public async Task<MoveReport> RunAsync(IWorkloadDriver driver, IProgress<MigrationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        long started = Time.GetTimestamp();
        MigrationResult? transfer = null;
        string? reason = null;
        await BeginAsync(cancellationToken).ConfigureAwait(false);
        MoveMetrics.Started(Request.Mode, driver.Kind);
        try
        {
            await driver.PrepareAsync(this, cancellationToken).ConfigureAwait(false);
            await PreparedAsync(cancellationToken).ConfigureAwait(false);
            transfer = await driver.TransferAsync(this, progress, cancellationToken).ConfigureAwait(false);
            if (transfer.Outcome != MigrationOutcome.Completed)
            {
                reason = transfer.Reason ?? $"the transfer ended {transfer.Outcome}";
            }
        }
        catch (Exception ex)
        {
            reason = ex is OperationCanceledException && cancellationToken.IsCancellationRequested ? "The move was cancelled." : ex.Message;
        }
        if (reason is not null)
        {
            return await GiveUpAsync(driver, transfer, reason, started).ConfigureAwait(false);
        }

        // Past the commit point: the destination runs the workload.
        MarkRunning();
        var late = new List<string>();
        if (PausedTicks == 0)
        {
            late.Add($"the {driver.Kind} driver never called the switchover; paused late");
            await PauseAsync(CancellationToken.None).ConfigureAwait(false);
        }
        await LateAsync(late, "the activation", () => ActivateAsync(CancellationToken.None)).ConfigureAwait(false);
        await LateAsync(late, "the commit", () => CommitAsync(CancellationToken.None)).ConfigureAwait(false);
        return Report(driver, MigrationOutcome.Completed, null, transfer, started, late);
    }

    private async Task<MoveReport> GiveUpAsync(IWorkloadDriver driver, MigrationResult? transfer, string reason, long started)
    {
        if (transfer?.Outcome == MigrationOutcome.InDoubt)
        {
            // Nobody can say where it runs: the source stays paused, the records stay for the NVA to settle.
            return Report(driver, MigrationOutcome.InDoubt, reason, transfer, started, []);
        }
        var failures = new List<string>();
        try
        {
            await driver.AbortAsync(this, reason, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failures.Add($"{driver.Kind} driver: {ex.Message}");
        }
        failures.AddRange(await AbortAsync(reason, CancellationToken.None).ConfigureAwait(false));
        return Report(driver, MigrationOutcome.Aborted, reason, transfer, started, failures);
    }

    private async Task LateAsync(List<string> failures, string step, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failures.Add($"{step}: {ex.Message}");
            Log.LateFailure(_logger, Request.Workload, step, ex.Message);
        }
    }

    private MoveReport Report(IWorkloadDriver driver, MigrationOutcome outcome, string? reason, MigrationResult? transfer, long started, IReadOnlyList<string> failures)
    {
        var report = NewReport(driver, outcome, reason, transfer, started, failures);
        MoveMetrics.Ended(report, report.SwitchoverMs, Milliseconds(PausedTicks, ActivatedTicks));
        return report;
    }

    private MoveReport NewReport(IWorkloadDriver driver, MigrationOutcome outcome, string? reason, MigrationResult? transfer, long started, IReadOnlyList<string> failures) => new()
    {
        Request = Request,
        Kind = driver.Kind,
        Outcome = outcome,
        Reason = reason,
        MigrationId = Record?.Id,
        From = Source.Name,
        To = Destination.Name,
        Transfer = transfer,
        RedirectTo = RedirectTo,
        SwitchoverMs = Milliseconds(PausedTicks, RunningTicks),
        ActivationMs = Milliseconds(RunningTicks, ActivatedTicks),
        TotalMs = Milliseconds(started, Time.GetTimestamp()),
        LateFailures = failures,
    };
}
