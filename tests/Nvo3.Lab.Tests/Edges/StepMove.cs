using Nvo3.Nve;

namespace Nvo3.Lab.Tests.Edges;

/// <summary>
/// A move of a stateless emulated VM taken a step at a time through the orchestrator's own steps,
/// so a test can act between them (the same order <see cref="Move.RunAsync"/> takes).
/// </summary>
internal sealed class StepMove(InProcessLab lab, EmulatedVm vm, uint vni, Edge from, Edge to)
{
    private readonly EmulatedDriver _driver = lab.Driver(from, to);

    public Move Move { get; } = lab.NewMove(vm, vni, from, to);

    /// <summary>Steps 1–2: recorded, the destination's port pre-associated, the source told where it goes.</summary>
    public async Task BeginAsync()
    {
        await Move.BeginAsync();
        await _driver.PrepareAsync(Move, CancellationToken.None);
        await Move.PreparedAsync();
    }

    /// <summary>Steps 4–5: the VM pauses at the source, runs at the destination, and is activated there.</summary>
    public async Task SwitchOverAsync()
    {
        var transfer = await _driver.TransferAsync(Move, null, CancellationToken.None);
        Assert.Equal(Nvo3.Migration.MigrationOutcome.Completed, transfer.Outcome);
        await Move.ActivateAsync();
    }

    /// <summary>Step 6: the NVA commits.</summary>
    public Task CommitAsync() => Move.CommitAsync();
}
