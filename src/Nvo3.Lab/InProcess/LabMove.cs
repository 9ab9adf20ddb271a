using Nvo3.Nva;
using Nvo3.Nve;

namespace Nvo3.Lab;

/// <summary>
/// The network side of moving an emulated VM between two NVEs of a lab, step by step as DESIGN 7
/// orders a hot move: begin (the NVA records it, the destination pre-associates), pause at the
/// source (its NVE starts forwarding packets in flight — or, for a stopped task, drops or answers
/// unreachable), resume at the destination (the VM announces, the new NVE activates), commit; or
/// abort before the switchover. <see cref="LabMigrationHooks"/> calls these steps from the
/// migration engine; tests call them directly.
/// </summary>
public sealed class LabMove
{
    private readonly InProcessLab _lab;
    private MemoryPort? _destinationWire;
    private MemoryPort? _sourceWire;
    private Task? _recorded;

    /// <summary>Prepares a move of <paramref name="vm"/> in <paramref name="vni"/> from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public LabMove(InProcessLab lab, EmulatedVm vm, uint vni, Edge from, Edge to, MigrationMode mode = MigrationMode.Hot)
    {
        _lab = lab;
        Vm = vm;
        Vni = vni;
        From = from;
        To = to;
        Mode = mode;
    }

    /// <summary>The VM.</summary>
    public EmulatedVm Vm { get; }

    /// <summary>Its network.</summary>
    public uint Vni { get; }

    /// <summary>The NVE it leaves.</summary>
    public Edge From { get; }

    /// <summary>The NVE it goes to.</summary>
    public Edge To { get; }

    /// <summary>How it moves.</summary>
    public MigrationMode Mode { get; }

    /// <summary>The NVA's record of it.</summary>
    public Nva.Migration? Migration { get; private set; }

    /// <summary>When the VM paused (timestamp ticks).</summary>
    public long PausedTicks { get; private set; }

    /// <summary>When the VM resumed at the destination (timestamp ticks).</summary>
    public long ResumedTicks { get; private set; }

    /// <summary>When the destination NVE activated it (timestamp ticks).</summary>
    public long ActivatedTicks { get; private set; }

    /// <summary>How long it was paused.</summary>
    public double PauseMs => From.Milliseconds(PausedTicks, ResumedTicks);

    /// <summary>Steps 1–2: records the migration and wires the destination; returns when both NVEs are ready.</summary>
    public async Task BeginAsync(CancellationToken cancellationToken = default)
    {
        _sourceWire = Vm.Wire;
        Migration = await _lab.Client.BeginMigrationAsync(new BeginMigrationRequest(Vm.Name, 0, default, To.Name, Mode), cancellationToken).ConfigureAwait(false);
        var (nveSide, vmSide) = MemoryPort.CreatePair($"{Vm.Name}@{To.Name}");
        _destinationWire = vmSide;
        var port = To.AttachPort(nveSide, Vni, Vm.Mac);
        await InProcessLab.WaitForAsync(() => port.State == PortState.Pending, $"{To.Name} to pre-associate {Vm.Name}", cancellationToken).ConfigureAwait(false);
        await InProcessLab.WaitForAsync(() => From.View.Redirects.ContainsKey((Vni, Vm.Mac, From.Name)), $"{From.Name} to learn where {Vm.Name} goes", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Step 4: the VM stops at the source. A paused VM's traffic is forwarded to the destination
    /// from this instant; a stopped task's (<paramref name="suspend"/>) is dropped or answered
    /// unreachable until it runs again somewhere.
    /// </summary>
    public void Pause(SuspendPolicy? suspend = null)
    {
        var migration = Migration ?? throw new InvalidOperationException("BeginAsync first.");
        PausedTicks = From.Time.GetTimestamp();
        if (suspend is { } policy)
        {
            From.SuspendPort(Vni, Vm.Mac, policy);
        }
        else
        {
            From.PausePort(Vni, Vm.Mac);
            _recorded = _lab.Client.PauseMigrationAsync(migration.Id);
        }
        Vm.Pause();
    }

    /// <summary>Step 5: the VM runs at the destination and announces itself; returns when the destination NVE activated it.</summary>
    public async Task ResumeAsync(CancellationToken cancellationToken = default)
    {
        Vm.Resume(_destinationWire ?? throw new InvalidOperationException("BeginAsync first."));
        ResumedTicks = To.Time.GetTimestamp();
        To.ResumePort(Vni, Vm.Mac);
        var port = To.GetPort(Vni, Vm.Mac)!;
        await InProcessLab.WaitForAsync(() => port.State == PortState.Active, $"{To.Name} to activate {Vm.Name}", cancellationToken).ConfigureAwait(false);
        ActivatedTicks = port.ActivatedTicks;
        if (_recorded is not null)
        {
            await _recorded.ConfigureAwait(false);
        }
    }

    /// <summary>Steps 4–5 with <paramref name="transfer"/> (the rest of the state) between them.</summary>
    public async Task SwitchOverAsync(Func<CancellationToken, Task>? transfer = null, CancellationToken cancellationToken = default)
    {
        Pause();
        if (transfer is not null)
        {
            await transfer(cancellationToken).ConfigureAwait(false);
        }
        await ResumeAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gives the move up before the switchover: the NVA forgets it, the VM runs at the source again, the destination port goes.</summary>
    public async Task AbortAsync(string reason, CancellationToken cancellationToken = default)
    {
        if (Migration is { } migration)
        {
            await _lab.Client.AbortMigrationAsync(migration.Id, reason, cancellationToken).ConfigureAwait(false);
        }
        From.ReactivatePort(Vni, Vm.Mac);
        if (Vm.State == VmState.Paused && _sourceWire is not null)
        {
            Vm.Resume(_sourceWire);
        }
        To.DetachPort(Vni, Vm.Mac);
    }

    /// <summary>Step 6: commits the migration and detaches the old port once its redirect expired.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        await CommitAsync(cancellationToken).ConfigureAwait(false);
        await CleanUpAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until the NVA has the activation and commits the migration (the source is disassociated; the redirect runs on).</summary>
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        var migration = Migration ?? throw new InvalidOperationException("BeginAsync first.");
        await InProcessLab.WaitForAsync(() => From.View.Bindings.TryGetValue((Vni, Vm.Mac), out var b) && b.ActiveNve == To.Name,
            $"the NVA to record {Vm.Name} at {To.Name}", cancellationToken).ConfigureAwait(false);
        Migration = await _lab.Client.CommitMigrationAsync(migration.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for the old NVE's redirect to expire, then detaches the old port.</summary>
    public async Task CleanUpAsync(CancellationToken cancellationToken = default)
    {
        await InProcessLab.WaitForAsync(() => From.GetRedirect(Vni, Vm.Mac) is null, $"{From.Name}'s redirect to expire", cancellationToken, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        From.DetachPort(Vni, Vm.Mac);
    }
}
