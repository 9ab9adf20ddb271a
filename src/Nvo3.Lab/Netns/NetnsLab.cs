using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Nve.Agent;
using Nvo3.Packets;

namespace Nvo3.Lab.Netns;

/// <summary>
/// The netns lab (DESIGN 8): servers are network namespaces joined by veth pairs to a bridge in an
/// underlay namespace, each running an <c>nvo3 nve run</c> process; one <c>nvo3 nva serve</c> in
/// the root namespace, reached over an uplink veth; VMs are namespaces whose <c>eth0</c> is a TAP
/// device owned by their server's NVE, with the kernel's own network stack, <c>arp_notify</c> and
/// <c>ndisc_notify</c> on. Optionally one more server whose VTEP is the kernel's vxlan device.
/// Everything it makes is named PREFIX-… and written to a state file as it goes.
/// </summary>
/// <remarks>
/// Addresses: underlay 198.18.X.0/24 (RFC 2544's benchmarking range; X from the prefix), servers
/// .1–.N, the kernel VTEP .100, the NVA on the root side of the uplink .254:7470, each port agent on
/// its server's address :7471. The tenant network is VNI 100 with 10.100.0.0/24 and fd00:100::/64;
/// VM n is 10.100.0.n and fd00:100::n with MAC 02:4e:56:00:00:nn.
/// </remarks>
public sealed partial class NetnsLab : IDisposable
{
    /// <summary>The VNI of the lab's network.</summary>
    public const uint Vni = 100;

    /// <summary>The NVA's port.</summary>
    public const int NvaPort = 7470;

    /// <summary>The number the kernel VTEP's VM gets (10.100.0.200).</summary>
    public const int KernelVmNumber = 200;

    private readonly ILogger _logger;
    private NvaClient? _nva;

    private NetnsLab(NetnsLabState state, IReadOnlyList<string> nvo3, ILoggerFactory loggerFactory)
    {
        State = state;
        Nvo3Command = nvo3;
        _logger = loggerFactory.CreateLogger<NetnsLab>();
    }

    /// <summary>What the lab made.</summary>
    public NetnsLabState State { get; }

    /// <summary>How the lab runs nvo3.</summary>
    public IReadOnlyList<string> Nvo3Command { get; }

    /// <summary>A client of the lab's NVA.</summary>
    public NvaClient Nva => _nva ??= new NvaClient(new Uri(State.Nva?.Address ?? throw new InvalidOperationException("The lab has no NVA yet.")));

    /// <summary>Opens the lab whose state is in <paramref name="stateDirectory"/>; throws <see cref="IOException"/> when there is none.</summary>
    public static NetnsLab Open(string stateDirectory, IReadOnlyList<string>? nvo3 = null, ILoggerFactory? loggerFactory = null)
    {
        var state = NetnsLabState.Load(stateDirectory)
            ?? throw new IOException($"No netns lab in {stateDirectory}; start one with nvo3 lab netns up.");
        return new NetnsLab(state, nvo3 ?? LabProcess.Self(), loggerFactory ?? NullLoggerFactory.Instance);
    }

    /// <summary>
    /// The third byte of the underlay subnet for <paramref name="prefix"/>: a hash of the prefix,
    /// moved on past any 198.18.X.0/24 already in use here (another lab), so two labs never share one.
    /// </summary>
    public static int UnderlayNetFor(string prefix)
    {
        uint hash = 2166136261;
        foreach (char c in prefix)
        {
            hash = (hash ^ c) * 16777619;
        }
        string addresses = HostCommand.TryRun("ip", "-o", "-4", "addr", "show").Stdout;
        for (int i = 0; i < 250; i++)
        {
            int net = (int)((hash + (uint)i) % 250) + 1;
            if (!addresses.Contains($" 198.18.{net}.", StringComparison.Ordinal))
            {
                return net;
            }
        }
        throw new IOException("Every 198.18.X.0/24 is in use here; take some labs down first.");
    }

    /// <summary>Underlay address .<paramref name="host"/> of the lab.</summary>
    public string UnderlayAddress(int host) => $"198.18.{State.UnderlayNet}.{host}";

    /// <summary>The MAC of VM number <paramref name="n"/>.</summary>
    public static MacAddress VmMac(int n) => new(0x024E_5600_0000UL + (ulong)n);

    /// <summary>The IPv4 address of VM number <paramref name="n"/>.</summary>
    public static string VmIpv4(int n) => $"10.100.0.{n}";

    /// <summary>The IPv6 address of VM number <paramref name="n"/>.</summary>
    public static string VmIpv6(int n) => $"fd00:100::{n.ToString("x", CultureInfo.InvariantCulture)}";

    /// <summary>The VM named <paramref name="name"/>; throws <see cref="ArgumentException"/> listing the others.</summary>
    public LabVm Vm(string name) => State.Vms.FirstOrDefault(v => v.Name == name)
        ?? throw new ArgumentException($"No VM '{name}' in lab {State.Prefix}; it has {string.Join(", ", State.Vms.Select(v => v.Name))}.");

    /// <summary>The server named <paramref name="name"/>; throws <see cref="ArgumentException"/> listing the others.</summary>
    public LabHost Host(string name) => State.Hosts.FirstOrDefault(h => h.Name == name)
        ?? throw new ArgumentException($"No server '{name}' in lab {State.Prefix}; it has {string.Join(", ", State.Hosts.Select(h => h.Name))}.");

    /// <summary>A client of the port agent of server <paramref name="host"/>.</summary>
    public PortAgentClient Agent(LabHost host) => new(new Uri(host.Agent ?? throw new ArgumentException($"Server {host.Name} has no port agent (its VTEP is the kernel's).")));

    /// <summary>Waits until <paramref name="condition"/> holds or throws <see cref="TimeoutException"/> naming <paramref name="what"/>.</summary>
    internal static async Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        Exception? last = null;
        while (Stopwatch.GetElapsedTime(started) < timeout)
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is NvaException or PortAgentException or IOException && ex is not LabProcessExitedException)
            {
                last = ex;
            }
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}" + (last is null ? "." : $" (last error: {last.Message})."));
    }

    /// <inheritdoc />
    public void Dispose() => _nva?.Dispose();
}
