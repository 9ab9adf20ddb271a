using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;

namespace Nvo3.Lab.Netns;

/// <summary>
/// Programs a kernel vxlan device's forwarding database from the NVA, as Neutron's l2population
/// does for its agents: a static entry per remote MAC to the underlay address of the NVE where its
/// binding is Activated, and an all-zero-MAC entry per other NVE so broadcast and multicast (ARP,
/// ND) are replicated head-end to each. It follows the directory's watch, so a move elsewhere is in
/// the kernel's table a few milliseconds after the NVA records it.
/// </summary>
public sealed partial class KernelVtepFdb
{
    private readonly NvaClient _nva;
    private readonly ILogger _logger;
    private readonly Dictionary<MacAddress, string> _unicast = [];
    private readonly HashSet<string> _flood = [];
    private readonly SemaphoreSlim _changed = new(0);

    /// <summary>Programs <paramref name="device"/> in <paramref name="netns"/> for NVE <paramref name="nve"/> and network <paramref name="vni"/>.</summary>
    public KernelVtepFdb(NvaClient nva, string nve, string netns, string device, uint vni, ILoggerFactory? loggerFactory = null)
    {
        _nva = nva;
        Nve = nve;
        Netns = netns;
        Device = device;
        Vni = vni;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<KernelVtepFdb>();
    }

    /// <summary>The kernel VTEP's name in the directory.</summary>
    public string Nve { get; }

    /// <summary>Its namespace.</summary>
    public string Netns { get; }

    /// <summary>Its vxlan device.</summary>
    public string Device { get; }

    /// <summary>The network.</summary>
    public uint Vni { get; }

    /// <summary>Loads the directory, programs the table, then follows every change until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var view = new DirectoryView(_nva, Nve + "-fdb");
        view.Changed += _ => _changed.Release();
        await view.LoadAsync(cancellationToken).ConfigureAwait(false);
        var watch = Task.Run(() => view.RunAsync(cancellationToken), CancellationToken.None);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Reconcile(view);
                // A change wakes us; the timeout re-checks now and then in case a command failed.
                await _changed.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
                while (_changed.Wait(0))
                {
                    // Take every change that queued up: one reconciliation covers them all.
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            try
            {
                await watch.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or NvaException)
            {
            }
        }
    }

    /// <summary>Brings the device's table to what the directory says; returns the commands it ran.</summary>
    public IReadOnlyList<string> Reconcile(DirectoryView view)
    {
        var addresses = view.Nves.Values
            .Where(n => n.Name != Nve && n.Underlay.Count > 0)
            .ToDictionary(n => n.Name, n => n.Primary.Address.ToString());
        var unicast = new Dictionary<MacAddress, string>();
        foreach (var binding in view.Bindings.Values.Where(b => b.Vni == Vni))
        {
            if (binding.ActiveNve is { } at && addresses.TryGetValue(at, out var address))
            {
                unicast[binding.Mac] = address;
            }
        }
        var flood = addresses.Values.ToHashSet();
        var commands = new List<string>();
        foreach (var (mac, address) in unicast)
        {
            if (!_unicast.TryGetValue(mac, out var current) || current != address)
            {
                commands.Add($"fdb replace {mac} dev {Device} dst {address} self permanent");
            }
        }
        foreach (var mac in _unicast.Keys.Where(m => !unicast.ContainsKey(m)))
        {
            commands.Add($"fdb del {mac} dev {Device} self");
        }
        foreach (var address in flood.Where(a => !_flood.Contains(a)))
        {
            commands.Add($"fdb append 00:00:00:00:00:00 dev {Device} dst {address} self permanent");
        }
        foreach (var address in _flood.Where(a => !flood.Contains(a)))
        {
            commands.Add($"fdb del 00:00:00:00:00:00 dev {Device} dst {address} self");
        }
        if (commands.Count == 0)
        {
            return commands;
        }
        var result = HostCommand.TryRun("bridge", ["-n", Netns, "-batch", "-"], string.Join('\n', commands) + "\n");
        if (!result.Ok)
        {
            // Forget what we believed, so the next pass rewrites everything from the directory.
            Log.ProgramFailed(_logger, Device, result.Stderr.Trim());
            _unicast.Clear();
            _flood.Clear();
            return commands;
        }
        _unicast.Clear();
        foreach (var (mac, address) in unicast)
        {
            _unicast[mac] = address;
        }
        _flood.Clear();
        _flood.UnionWith(flood);
        Log.Programmed(_logger, Device, commands.Count, unicast.Count, flood.Count);
        return commands;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Device}: {Commands} FDB change(s); {Unicast} remote MAC(s), flood to {Flood} NVE(s)")]
        public static partial void Programmed(ILogger logger, string device, int commands, int unicast, int flood);

        [LoggerMessage(2, LogLevel.Warning, "{Device}: bridge fdb failed: {Error}")]
        public static partial void ProgramFailed(ILogger logger, string device, string error);
    }
}
