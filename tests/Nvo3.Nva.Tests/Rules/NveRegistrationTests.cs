using Nvo3.Nva.Storage.Memory;
using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Rules;

/// <summary>An underlay endpoint belongs to one NVE at a time; registering, moving and removing NVEs keep it so.</summary>
public sealed class NveRegistrationTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    private static UnderlayEndpoint U(string text) => UnderlayEndpoint.Parse(text);

    [Fact]
    public async Task RegisterNve_UnderlayOfAnotherNve_IsRefusedNamingIt()
    {
        var authority = new Authority(new MemoryStore());
        await authority.RegisterNveAsync("a", [U("192.0.2.1")], null, Lease);

        var ex = await Assert.ThrowsAsync<NvaException>(() => authority.RegisterNveAsync("b", [U("192.0.2.2"), U("192.0.2.1")], null, Lease));

        Assert.Equal(NvaError.AlreadyExists, ex.Error);
        Assert.Equal("Underlay 192.0.2.1 is already NVE 'a''s.", ex.Message);
        Assert.Equal(["a"], (await authority.ListNvesAsync()).Select(n => n.Name));
    }

    [Fact]
    public async Task RegisterNve_ConcurrentClaimsOfOneUnderlay_ExactlyOneWins()
    {
        var authority = new Authority(new MemoryStore());

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await authority.RegisterNveAsync($"nve{i}", [U("192.0.2.1")], null, Lease);
                return NvaError.Unavailable; // here: "registered"
            }
            catch (NvaException ex)
            {
                return ex.Error;
            }
        })));

        Assert.Single(outcomes, o => o == NvaError.Unavailable);
        Assert.Equal(7, outcomes.Count(o => o == NvaError.AlreadyExists));
        Assert.Single(await authority.ListNvesAsync());
    }

    [Fact]
    public async Task RegisterNve_AgainOnANewUnderlay_FreesTheOldOne()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var authority = new Authority(new MemoryStore(), new NvaSettings(), time);
        await authority.RegisterNveAsync("a", [U("192.0.2.1")], null, Lease);
        time.Advance(Lease + TimeSpan.FromSeconds(1)); // stopped; a live registration is not replaced

        await authority.RegisterNveAsync("a", [U("192.0.2.9")], null, Lease); // restarted on another address
        await authority.RegisterNveAsync("b", [U("192.0.2.1")], null, Lease);

        await Assert.ThrowsAsync<NvaException>(() => authority.RegisterNveAsync("c", [U("192.0.2.9")], null, Lease));
    }

    [Fact]
    public async Task RemoveNve_FreesItsUnderlay()
    {
        var authority = new Authority(new MemoryStore());
        await authority.AddNveAsync("a", [U("192.0.2.1"), U("[2001:db8::1]:4789")], null);

        await authority.RemoveNveAsync("a");
        await authority.AddNveAsync("b", [U("[2001:db8::1]:4789"), U("192.0.2.1")], null);

        Assert.Equal(["b"], (await authority.ListNvesAsync()).Select(n => n.Name));
        Assert.Equal(2, (await authority.Store.ListAsync(Nvo3.Nva.Records.Keys.UnderlayIndex)).Entries.Count);
    }
}
