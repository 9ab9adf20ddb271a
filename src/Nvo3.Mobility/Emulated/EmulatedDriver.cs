using System.Net;
using Nvo3.Migration;
using Nvo3.Nva;

namespace Nvo3.Mobility.Emulated;

/// <summary>
/// The driver of emulated VMs: the state moves with our migration engine (hot, cold, warm or hot
/// standby), the VM's network stack stops at the source's switchover and starts at the
/// destination (<see cref="IArrivals"/>) once the engine hands the workload over.
/// </summary>
public sealed class EmulatedDriver(EmulatedHost source, IArrivals destination, EmulatedMoveSettings settings) : IWorkloadDriver
{
    private EndPoint? _endpoint;

    /// <inheritdoc />
    public string Kind => "emulated";

    /// <inheritdoc />
    public async Task PrepareAsync(Move move, CancellationToken cancellationToken) =>
        _endpoint = await destination.PrepareAsync(Arrival.Of(move), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<MigrationResult> TransferAsync(Move move, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken)
    {
        var endpoint = _endpoint ?? throw new InvalidOperationException("Prepare the destination first.");
        var vm = source.Find(move.Request.Workload) ?? throw new NvaException(NvaError.NotFound, $"No VM named '{move.Request.Workload}' runs at {source.Edge.Name}.");
        var hooks = new Hooks(move, vm, destination);
        if (vm.Workload is not { } workload)
        {
            return await MoveNetworkOnlyAsync(move, vm, hooks, cancellationToken).ConfigureAwait(false);
        }
        var agent = source.Agent;
        switch (move.Request.Mode)
        {
            case MigrationMode.Cold:
                return await agent.MigrateColdAsync(workload, endpoint, settings.Transfer, hooks, progress, cancellationToken).ConfigureAwait(false);
            case MigrationMode.Warm:
            {
                await using var standby = await agent.ProtectWarmAsync(workload, endpoint, settings.Checkpoints, hooks, progress, cancellationToken).ConfigureAwait(false);
                await Task.Delay(settings.ProtectFor ?? settings.Checkpoints.CheckpointInterval * 3.5, cancellationToken).ConfigureAwait(false);
                return await standby.FailoverAsync(cancellationToken).ConfigureAwait(false);
            }
            case MigrationMode.HotStandby:
            {
                await using var standby = await agent.ProtectHotAsync(workload, endpoint, settings.PreCopy, hooks, progress, cancellationToken).ConfigureAwait(false);
                await Task.Delay(settings.ProtectFor ?? TimeSpan.FromMilliseconds(300), cancellationToken).ConfigureAwait(false);
                return await standby.FailoverAsync(cancellationToken).ConfigureAwait(false);
            }
            default:
                return await agent.MigrateHotAsync(workload, endpoint, settings.PreCopy, hooks, progress, cancellationToken).ConfigureAwait(false);
        }
    }

    // A VM with no state (a network stack only): nothing to copy, the switchover is the pause and the hand-over.
    private static async Task<MigrationResult> MoveNetworkOnlyAsync(Move move, HostedVm vm, Hooks hooks, CancellationToken cancellationToken)
    {
        long paused = move.Time.GetTimestamp();
        await hooks.PausedAsync(null!, cancellationToken).ConfigureAwait(false);
        await hooks.ResumedAsync(null!, cancellationToken).ConfigureAwait(false);
        return MigrationResult.Stateless(vm.Name, move.Request.Mode, move.Time.GetElapsedTime(paused));
    }

    /// <inheritdoc />
    public async Task AbortAsync(Move move, string reason, CancellationToken cancellationToken)
    {
        if (source.Find(move.Request.Workload) is { Vm: { State: VmState.Paused, Wire: { } wire } vm })
        {
            vm.Resume(wire); // the engine resumed its state here; its network side goes on too
        }
        await destination.CancelAsync(Arrival.Of(move), cancellationToken).ConfigureAwait(false);
    }

    // The engine's steps, mapped onto the move: the pause is the switchover, the hand-over starts the VM at the destination.
    private sealed class Hooks(Move move, HostedVm vm, IArrivals destination) : MigrationHooks
    {
        public override async ValueTask PausedAsync(MigrationContext migration, CancellationToken cancellationToken)
        {
            await move.PauseAsync(cancellationToken).ConfigureAwait(false);
            vm.Vm.Pause();
        }

        public override async ValueTask ResumedAsync(MigrationContext migration, CancellationToken cancellationToken)
        {
            await destination.ArriveAsync(Arrival.Of(move), vm, cancellationToken).ConfigureAwait(false);
            move.MarkRunning();
        }
    }
}
