using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Rules;

/// <summary>Leases on the NVA's fake clock, NVEs that still host bindings, and how long a look-up answer may be cached.</summary>
public class LivenessRulesTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    private static async Task<DirectoryFixture> WithLeasedNveAsync()
    {
        var f = await DirectoryFixture.CreateAsync();
        await f.Authority.RegisterNveAsync("d", [new UnderlayEndpoint(IpAddr.Parse("192.0.2.4"))], null, Lease);
        return f;
    }

    private static Task<Migration> BeginToAsync(DirectoryFixture f, string destination) =>
        f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, destination, MigrationMode.Hot));

    [Fact]
    public async Task RegisterNve_LeasePassesWithoutKeepAlive_IsNoLongerAliveAtItsLastInstant()
    {
        var f = await WithLeasedNveAsync();
        var registered = f.Time.GetUtcNow();

        f.Time.Advance(Lease - TimeSpan.FromTicks(1));
        Assert.True((await f.Authority.GetNveAsync("d"))!.IsAlive(f.Time.GetUtcNow()));
        f.Time.Advance(TimeSpan.FromTicks(1));

        var nve = (await f.Authority.GetNveAsync("d"))!;
        Assert.Equal(registered + Lease, nve.LeaseExpires);
        Assert.False(nve.IsAlive(f.Time.GetUtcNow()));
    }

    [Fact]
    public async Task BeginMigration_ToAnNveWhoseLeaseExpired_IsRefusedAndChangesNothing()
    {
        var f = await WithLeasedNveAsync();
        f.Time.Advance(Lease);

        var ex = await Assert.ThrowsAsync<NvaException>(() => BeginToAsync(f, "d"));

        Assert.Equal(NvaError.FailedPrecondition, ex.Error);
        Assert.Contains("has not renewed its lease", ex.Message, StringComparison.Ordinal);
        var binding = (await f.BindingAsync())!;
        Assert.Null(binding.MigrationId);
        Assert.Equal(["a"], binding.Placements.Select(p => p.Nve));
        Assert.Empty(await f.Authority.ListRedirectsAsync());
    }

    [Fact]
    public async Task BeginMigration_ToAnNveThatKeptItsLeaseAlive_IsAccepted()
    {
        var f = await WithLeasedNveAsync();
        f.Time.Advance(Lease - TimeSpan.FromSeconds(1));

        var expires = await f.Authority.KeepAliveAsync("d", Lease);
        f.Time.Advance(TimeSpan.FromSeconds(5)); // past the first lease, within the renewed one

        Assert.Equal(f.Time.GetUtcNow() - TimeSpan.FromSeconds(5) + Lease, expires);
        var migration = await BeginToAsync(f, "d");
        Assert.Equal(("a", "d"), (migration.Source, migration.Destination));
    }

    [Fact]
    public async Task KeepAlive_WithoutALease_RenewsForTheLeaseItRegisteredWith()
    {
        var f = await DirectoryFixture.CreateAsync(new NvaSettings { DefaultLease = TimeSpan.FromSeconds(7) }, lease: TimeSpan.FromSeconds(40));

        var expires = await f.Authority.KeepAliveAsync("b", TimeSpan.Zero);

        Assert.Equal(f.Time.GetUtcNow() + TimeSpan.FromSeconds(40), expires);
        Assert.Equal(expires, (await f.Authority.GetNveAsync("b"))!.LeaseExpires);
    }

    [Fact]
    public async Task RegisterNve_LeaseOverADay_IsRefused()
    {
        var f = await DirectoryFixture.CreateAsync();

        var ex = await Assert.ThrowsAsync<NvaException>(() => f.Authority.RegisterNveAsync("e", [new UnderlayEndpoint(IpAddr.Parse("192.0.2.5"))], null, TimeSpan.FromHours(24) + TimeSpan.FromTicks(1)));

        Assert.Equal(NvaError.InvalidArgument, ex.Error);
        Assert.Null(await f.Authority.GetNveAsync("e"));
        Assert.NotNull(await f.Authority.RegisterNveAsync("e", [new UnderlayEndpoint(IpAddr.Parse("192.0.2.5"))], null, TimeSpan.FromHours(24)));
    }

    [Fact]
    public async Task KeepAlive_ExternalNve_NeverExpires()
    {
        var f = await DirectoryFixture.CreateAsync();
        await f.Authority.AddNveAsync("kernel", [new UnderlayEndpoint(IpAddr.Parse("192.0.2.9"))], null);

        var expires = await f.Authority.KeepAliveAsync("kernel", Lease);
        f.Time.Advance(TimeSpan.FromDays(30));

        Assert.Equal(DateTimeOffset.MaxValue, expires);
        Assert.True((await f.Authority.GetNveAsync("kernel"))!.IsAlive(f.Time.GetUtcNow()));
        Assert.Equal("kernel", (await BeginToAsync(f, "kernel")).Destination);
    }

    [Fact]
    public async Task RegisterNve_WithoutALeaseOrAnUnderlay_TakesTheDefaultLease_OrIsRefused()
    {
        var f = await DirectoryFixture.CreateAsync(new NvaSettings { DefaultLease = TimeSpan.FromSeconds(7) });

        var registered = await f.Authority.RegisterNveAsync("e", [new UnderlayEndpoint(IpAddr.Parse("192.0.2.5"))], null, TimeSpan.Zero);
        var noUnderlay = await Assert.ThrowsAsync<NvaException>(() => f.Authority.RegisterNveAsync("g", [], null, Lease));

        Assert.Equal(f.Time.GetUtcNow() + TimeSpan.FromSeconds(7), registered.LeaseExpires);
        Assert.Equal(NvaError.InvalidArgument, noUnderlay.Error);
        Assert.Null(await f.Authority.GetNveAsync("g"));
    }

    [Fact]
    public async Task RegisterNve_OverAnExternalNve_OrAddingOverARegisteredOne_IsRefused_ARestartIsNot()
    {
        var f = await DirectoryFixture.CreateAsync();
        await f.Authority.AddNveAsync("kernel", [new UnderlayEndpoint(IpAddr.Parse("192.0.2.9"))], null);

        var overExternal = await Assert.ThrowsAsync<NvaException>(() => f.Authority.RegisterNveAsync("kernel", [new UnderlayEndpoint(IpAddr.Parse("192.0.2.9"))], null, Lease));
        var overRegistered = await Assert.ThrowsAsync<NvaException>(() => f.Authority.AddNveAsync("b", [new UnderlayEndpoint(IpAddr.Parse("192.0.2.2"))], null));
        var restarted = await f.Authority.RegisterNveAsync("b", [new UnderlayEndpoint(IpAddr.Parse("192.0.2.2"))], null, Lease);

        Assert.Equal((NvaError.AlreadyExists, NvaError.AlreadyExists), (overExternal.Error, overRegistered.Error));
        Assert.True((await f.Authority.GetNveAsync("kernel"))!.External);
        Assert.False(restarted.External);
    }

    [Fact]
    public async Task RemoveNve_HostingABinding_IsRefusedAndTheNveStays()
    {
        var f = await DirectoryFixture.CreateAsync();

        var ex = await Assert.ThrowsAsync<NvaException>(() => f.Authority.RemoveNveAsync("a"));

        Assert.Equal(NvaError.FailedPrecondition, ex.Error);
        Assert.Contains("still hosts 1 binding(s) (first: vm1)", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(await f.Authority.GetNveAsync("a"));
    }

    [Fact]
    public async Task RemoveNve_WithOnlyAnAssociatedPlacement_IsRefusedToo()
    {
        var f = await DirectoryFixture.CreateAsync();
        await BeginToAsync(f, "b"); // b holds an Associated placement, not an active one

        var ex = await Assert.ThrowsAsync<NvaException>(() => f.Authority.RemoveNveAsync("b"));

        Assert.Equal(NvaError.FailedPrecondition, ex.Error);
        await f.Authority.RemoveNveAsync("c"); // hosts nothing: removed
        Assert.Equal(["a", "b"], (await f.Authority.ListNvesAsync()).Select(n => n.Name));
    }

    [Fact]
    public async Task Lookup_BindingActiveNowhere_GivesTheBindingWithAShortLifetime()
    {
        var f = await DirectoryFixture.CreateAsync();
        await BeginToAsync(f, "b");
        await f.Authority.DeactivateAsync(DirectoryFixture.Vni, DirectoryFixture.Mac, "a"); // stopped at a, not yet active at b

        var byIp = await f.Authority.LookupByIpAsync(DirectoryFixture.Vni, DirectoryFixture.Ip4);
        var byMac = await f.Authority.LookupByMacAsync(DirectoryFixture.Vni, DirectoryFixture.Mac);

        Assert.Null(byIp.Host);
        Assert.Equal(DirectoryFixture.Mac, byIp.Binding!.Mac);
        Assert.Equal(TimeSpan.FromMilliseconds(50), byIp.Lifetime);
        Assert.Equal(TimeSpan.FromMilliseconds(50), byMac.Lifetime);

        await f.ClaimAsync("b");
        var after = await f.Authority.LookupByIpAsync(DirectoryFixture.Vni, DirectoryFixture.Ip4);
        Assert.Equal(("b", TimeSpan.FromMilliseconds(500)), (after.Host!.Name, after.Lifetime));
    }

    [Fact]
    public async Task Lookup_AbsentBinding_IsNotFoundAndNotCached()
    {
        var f = await DirectoryFixture.CreateAsync();

        var byIp = await f.Authority.LookupByIpAsync(DirectoryFixture.Vni, IpAddr.Parse("10.0.0.99"));
        var byMac = await f.Authority.LookupByMacAsync(DirectoryFixture.Vni, MacAddress.Parse("02:00:00:00:00:99"));

        Assert.Equal((false, (NveRecord?)null, TimeSpan.Zero), (byIp.Found, byIp.Host, byIp.Lifetime));
        Assert.Equal((false, (NveRecord?)null, TimeSpan.Zero), (byMac.Found, byMac.Host, byMac.Lifetime));
        var unknown = await Assert.ThrowsAsync<NvaException>(() => f.Authority.LookupByMacAsync(999, DirectoryFixture.Mac));
        Assert.Equal(NvaError.NotFound, unknown.Error);
    }
}
