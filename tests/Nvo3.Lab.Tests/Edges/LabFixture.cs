using Nvo3.Lab;
using Nvo3.Nva;
using Nvo3.Nve;
using Nvo3.Packets;

namespace Nvo3.Lab.Tests.Edges;

/// <summary>A lab with a network (VNI 100, 10.0.0.0/24 and fd00:100::/64, 500 ms cache) and NVEs a, b, c (and d).</summary>
internal sealed class LabFixture : IAsyncDisposable
{
    public const uint Vni = 100;

    private LabFixture(InProcessLab lab) => Lab = lab;

    public InProcessLab Lab { get; }

    public Edge A => Lab.Nve("a");

    public Edge B => Lab.Nve("b");

    public Edge C => Lab.Nve("c");

    public Edge D => Lab.Nve("d");

    public static async Task<LabFixture> StartAsync(LabOptions? options = null, Func<EdgeOptions, EdgeOptions>? configure = null, int nves = 3)
    {
        var lab = await InProcessLab.StartAsync(options ?? new LabOptions());
        try
        {
            await lab.Client.CreateVirtualNetworkAsync(new VirtualNetwork(Vni, "", NetworkMode.L2,
                [IpPrefix.Parse("10.0.0.0/24"), IpPrefix.Parse("fd00:100::/64")], [], TimeSpan.FromMilliseconds(500)));
            foreach (var name in new[] { "a", "b", "c", "d" }.Take(nves))
            {
                await lab.AddNveAsync(name, configure);
            }
            return new LabFixture(lab);
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    public Task<EmulatedVm> VmAsync(int n, Edge at, Announcement announce = Announcement.Garp | Announcement.Na) =>
        Lab.AddVmAsync($"vm{n}", Vni, new MacAddress(0x0200_0000_0000UL + (ulong)n), IpAddr.Parse($"10.0.0.{n}"), IpAddr.Parse($"fd00:100::{n}"), at, announce);

    public static Task WaitAsync(Func<bool> condition, string what) => InProcessLab.WaitForAsync(condition, what);

    /// <summary>Waits like <see cref="WaitAsync"/>, and on a timeout says what every NVE counted.</summary>
    public async Task WaitOrExplainAsync(Func<bool> condition, string what)
    {
        try
        {
            await InProcessLab.WaitForAsync(condition, what);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(ex.Message + " Counters: " + string.Join("; ",
                Lab.Edges.Select(e => e.Name + " " + string.Join(",", e.Counters.Snapshot().Select(kv => $"{kv.Key}={kv.Value}")))), ex);
        }
    }

    public ValueTask DisposeAsync() => Lab.DisposeAsync();
}
