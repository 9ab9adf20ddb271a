using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Rules;

/// <summary>
/// What a second process under a live NVE's name, or an NVE inventing sequence numbers, can do to
/// the directory: nothing.
/// </summary>
public sealed class HostileClaimTests
{
    private static readonly UnderlayEndpoint Elsewhere = new(IpAddr.Parse("127.0.0.99"));

    [Fact]
    public async Task Register_LiveNveUnderAnotherUnderlay_RefusedUntilItsLeaseRunsOut()
    {
        await using var f = await DirectoryFixture.CreateAsync(lease: TimeSpan.FromSeconds(30));

        var ex = await Assert.ThrowsAsync<NvaException>(() => f.Authority.RegisterNveAsync("a", [Elsewhere], null, TimeSpan.FromSeconds(30)));
        Assert.Equal(NvaError.AlreadyExists, ex.Error);
        Assert.Contains("registered and alive", ex.Message, StringComparison.Ordinal);
        Assert.Equal(IpAddr.Parse("192.0.2.1"), (await f.Authority.GetNveAsync("a"))!.Primary.Address);

        // The same NVE restarting (same underlay) re-registers at once.
        await f.Authority.RegisterNveAsync("a", [new UnderlayEndpoint(IpAddr.Parse("192.0.2.1"))], null, TimeSpan.FromSeconds(30));

        // Once nobody renews it, the name is free to be registered elsewhere.
        f.Time.Advance(TimeSpan.FromSeconds(31));
        var moved = await f.Authority.RegisterNveAsync("a", [Elsewhere], null, TimeSpan.FromSeconds(30));
        Assert.Equal(Elsewhere, moved.Primary);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(3L)]
    [InlineData(long.MaxValue)]
    public async Task UnplannedClaim_SequenceOutsideOneToNext_RefusedAndNothingChanges(long offset)
    {
        await using var f = await DirectoryFixture.CreateAsync();
        var before = (await f.BindingAsync())!;
        long sequence = offset == 0 ? 0 : offset == long.MaxValue ? long.MaxValue : before.Sequence + offset;

        var ex = await Assert.ThrowsAsync<NvaException>(() => f.ClaimAsync("b", sequence));

        Assert.Equal(NvaError.InvalidArgument, ex.Error);
        Assert.Contains($"outside 1..{before.Sequence + 1}", ex.Message, StringComparison.Ordinal);
        var after = (await f.BindingAsync())!;
        Assert.Equal("a", after.ActiveNve);
        Assert.Equal(before.Sequence, after.Sequence);
    }

    [Fact]
    public async Task UnplannedClaim_NextSequence_Accepted()
    {
        await using var f = await DirectoryFixture.CreateAsync();
        var before = (await f.BindingAsync())!;

        var after = await f.ClaimAsync("b", before.Sequence + 1);

        Assert.Equal("b", after.ActiveNve);
    }
}
