using Microsoft.Extensions.Time.Testing;
using Nvo3.Nva;

namespace Nvo3.Nve.Tests;

/// <summary>
/// The old NVE's tunnel for packets in flight (draft section 5), on a fake clock: it runs for the
/// NVA's hold from the moment the old NVE sees the activation, measured on its own clock, then as
/// long as packets still arrive for it, within a bound.
/// </summary>
public class RedirectTimerTests
{
    // The network's cache lifetime (500 ms) and the NVA's grace (1 s).
    private static readonly TimeSpan Hold = EdgeHarness.CacheLifetime + new NvaSettings().RedirectGrace;

    private static async Task<(EdgeHarness H, Edge A, Edge B, TestVm Vm, Injector Injector)> MovedAsync(TimeProvider? nvaClock = null)
    {
        var h = await EdgeHarness.StartAsync(nvaClock: nvaClock);
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2);
        var vm = await h.AddVmAsync(1, a);
        var injector = await Injector.CreateAsync(h, 9);
        var (move, _) = await h.BeginAsync(vm, a, b);
        await h.PauseAsync(move);
        await h.ResumeAnnouncingAsync(vm, b);
        await EdgeHarness.WaitAsync(() => a.GetRedirect(EdgeHarness.Vni, vm.Mac) is { Timed: true }, "a to time its redirect");
        return (h, a, b, vm, injector);
    }

    [Fact]
    public async Task Redirect_NoPacketsAfterTheActivation_EndsExactlyWhenItsHoldHasPassed()
    {
        var (h, a, _, vm, injector) = await MovedAsync();
        await using var _h = h;
        using var _i = injector;

        h.Advance(Hold - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(a.GetRedirect(EdgeHarness.Vni, vm.Mac));

        h.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(a.GetRedirect(EdgeHarness.Vni, vm.Mac));
    }

    [Fact]
    public async Task Redirect_NvaClockAnHourBehind_HoldStillRunsOnTheOldNvesClock()
    {
        // An NVA whose wall clock is an hour behind writes an expiry an hour in the old NVE's past:
        // taken as a time, it would end the redirect at once while packets are still in flight.
        var nvaClock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 11, 0, 0, TimeSpan.Zero));
        var (h, a, b, vm, injector) = await MovedAsync(nvaClock);
        await using var _h = h;
        using var _i = injector;

        h.Advance(TimeSpan.FromMilliseconds(100));
        injector.SendFrame(a, EdgeHarness.Vni, Injector.Probe(vm, 1));

        await EdgeHarness.WaitAsync(() => vm.Probes().Contains(1), "the probe in flight to reach the VM at b");
        Assert.Equal(1, a.Counters.ForwardedInFlight);
        Assert.True(a.GetRedirect(EdgeHarness.Vni, vm.Mac) is { } redirect
            && a.Milliseconds(redirect.StartedTicks, redirect.ExpiresTicks) == Hold.TotalMilliseconds);
    }

    [Fact]
    public async Task Redirect_PacketsStillArriving_LastsPastItsHold_ThenEndsOnceTheyStop()
    {
        var (h, a, _, vm, injector) = await MovedAsync();
        await using var _h = h;
        using var _i = injector;
        var idle = a.Options.RedirectIdle;

        // Past the hold, a packet every idle/2 keeps the tunnel up.
        h.Advance(Hold - TimeSpan.FromMilliseconds(1));
        for (int i = 0; i < 10; i++)
        {
            injector.SendFrame(a, EdgeHarness.Vni, Injector.Probe(vm, i));
            await EdgeHarness.WaitAsync(() => a.Counters.ForwardedInFlight == i + 1, $"probe {i} to be forwarded");
            h.Advance(idle / 2);
            Assert.NotNull(a.GetRedirect(EdgeHarness.Vni, vm.Mac));
        }

        // Then nothing arrives: it ends once it has been idle that long.
        h.Advance(idle / 2 - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(a.GetRedirect(EdgeHarness.Vni, vm.Mac));
        h.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(a.GetRedirect(EdgeHarness.Vni, vm.Mac));
        await EdgeHarness.WaitAsync(() => vm.Probes().Count == 10, "every forwarded probe at the VM");
    }

    [Fact]
    public async Task Redirect_PacketsNeverStop_EndsAtItsMostExtension()
    {
        var (h, a, _, vm, injector) = await MovedAsync();
        await using var _h = h;
        using var _i = injector;
        var step = a.Options.RedirectIdle / 2;
        var most = Hold + a.Options.RedirectMaxExtension;

        var elapsed = TimeSpan.Zero;
        int sent = 0;
        while (elapsed + step < most)
        {
            injector.SendFrame(a, EdgeHarness.Vni, Injector.Probe(vm, sent++));
            await EdgeHarness.WaitAsync(() => a.Counters.ForwardedInFlight == sent, $"probe {sent} to be forwarded");
            h.Advance(step);
            elapsed += step;
            Assert.NotNull(a.GetRedirect(EdgeHarness.Vni, vm.Mac));
        }
        injector.SendFrame(a, EdgeHarness.Vni, Injector.Probe(vm, sent++));
        await EdgeHarness.WaitAsync(() => a.Counters.ForwardedInFlight == sent, "the last probe to be forwarded");
        h.Advance(most - elapsed);

        Assert.Null(a.GetRedirect(EdgeHarness.Vni, vm.Mac));
    }
}
