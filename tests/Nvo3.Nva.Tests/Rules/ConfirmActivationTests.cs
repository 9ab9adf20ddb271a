namespace Nvo3.Nva.Tests.Rules;

/// <summary>
/// An NVE that activated a binding on its own while the NVA was away confirms it when the NVA is
/// back: accepted when no newer activation exists (the sequence and tie rules), refused otherwise.
/// </summary>
public sealed class ConfirmActivationTests
{
    private static Task<Binding> ConfirmAsync(DirectoryFixture f, string nve, long sequence) =>
        f.Authority.ConfirmActivationAsync(new ActivateRequest(DirectoryFixture.Vni, DirectoryFixture.Mac, nve, MoveTrigger.Garp, sequence));

    [Fact]
    public async Task Confirm_PlannedMoveActivatedWhileTheNvaWasAway_TakesTheClaimedSequence()
    {
        await using var f = await DirectoryFixture.CreateAsync();
        var m = await f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "b", MigrationMode.Hot));

        // b saw sequence 1 and activated with 2 while it could not reach the NVA.
        var binding = await ConfirmAsync(f, "b", 2);

        Assert.Equal(("b", 2L), (binding.ActiveNve, binding.Sequence));
        Assert.Equal(MigrationPhase.Activated, (await f.Authority.GetMigrationAsync(m.Id))!.Phase);
        Assert.False(binding.Duplicate);
    }

    [Fact]
    public async Task Confirm_ANewerActivationExists_IsRefusedAsStale()
    {
        await using var f = await DirectoryFixture.CreateAsync();
        await f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "b", MigrationMode.Hot));
        // Meanwhile the workload showed up at c, then at a, then at c again: the binding is at 4.
        await f.ClaimAsync("c", 2);
        await f.ClaimAsync("a", 3);
        await f.ClaimAsync("c", 4);

        var ex = await Assert.ThrowsAsync<NvaException>(() => ConfirmAsync(f, "b", 2));

        Assert.Equal(NvaError.FailedPrecondition, ex.Error);
        Assert.Contains("stale", ex.Message, StringComparison.Ordinal);
        Assert.Equal(("c", 4L), ((await f.BindingAsync())!.ActiveNve, (await f.BindingAsync())!.Sequence));
    }

    [Fact]
    public async Task Confirm_TieAtTheSameSequence_GoesToTheLowerUnderlay()
    {
        await using var f = await DirectoryFixture.CreateAsync();
        await f.ClaimAsync("b", 2); // b (192.0.2.2) holds it at 2

        var refused = await Assert.ThrowsAsync<NvaException>(() => ConfirmAsync(f, "c", 2)); // c (192.0.2.3) ties and loses
        var won = await ConfirmAsync(f, "a", 2); // a (192.0.2.1) ties and wins

        Assert.Equal(NvaError.FailedPrecondition, refused.Error);
        Assert.Contains("tie at sequence 2", refused.Message, StringComparison.Ordinal);
        Assert.Equal(("a", 2L), (won.ActiveNve, won.Sequence));
    }

    [Fact]
    public async Task Confirm_AfterTheLeaderSettledTheMoveAsAborted_IsStillAcceptedWithTheHigherNumber()
    {
        await using var f = await DirectoryFixture.CreateAsync();
        var m = await f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "b", MigrationMode.Hot));
        await f.Authority.SettleMigrationAsync(m.Id, "leader"); // the NVA saw the source still active

        // But b had activated (sequence 2) while it could not tell the NVA: the higher number wins.
        var binding = await ConfirmAsync(f, "b", 2);

        Assert.Equal(("b", 2L), (binding.ActiveNve, binding.Sequence));
        Assert.Null(binding.At("a")); // an unplanned move: the workload is gone from a
    }

    [Fact]
    public async Task Confirm_WithoutASequence_IsInvalid()
    {
        await using var f = await DirectoryFixture.CreateAsync();
        Assert.Equal(NvaError.InvalidArgument, (await Assert.ThrowsAsync<NvaException>(() => ConfirmAsync(f, "b", 0))).Error);
    }
}
