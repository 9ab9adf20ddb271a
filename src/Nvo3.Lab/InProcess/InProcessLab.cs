using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using System.Net;
using Nvo3.Migration;
using Nvo3.Mobility;
using Nvo3.Mobility.Emulated;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage;
using Nvo3.Nve;
using Nvo3.Packets;

namespace Nvo3.Lab;

/// <summary>
/// One NVA and any number of NVEs in this process, on loopback: NVEs on distinct 127.x.y.N
/// addresses (or fd00:4e56:…::N with root) on the standard VXLAN port, so that any capture on
/// <c>lo</c> decodes as VXLAN; the NVA's gRPC on 127.0.0.1 with a free port; emulated VMs on
/// in-memory wires. Everything it starts it stops, and every address it adds it removes.
/// </summary>
public sealed class InProcessLab : IAsyncDisposable
{
    private readonly List<Edge> _edges = [];
    private readonly Dictionary<string, EmulatedHost> _hosts = [];
    private readonly List<IpAddr> _addedAddresses = [];
    private readonly string? _tempDirectory;
    private readonly ILoggerFactory _loggerFactory;
    private readonly (byte A, byte B) _v4Base;
    private readonly ushort _v6Base;
    private readonly bool _ownsCapture;
    private readonly string _storeSpec;

    private InProcessLab(LabOptions options, NvaServer nva, string storeSpec, string? tempDirectory, ILoggerFactory loggerFactory)
    {
        Options = options;
        Nva = nva;
        _storeSpec = storeSpec;
        Client = new NvaClient(nva.Address);
        _tempDirectory = tempDirectory;
        _loggerFactory = loggerFactory;
        // A random 127.A.B.0/24 (and fd00:4e56:X::/64) per lab, so labs in parallel never collide.
        _v4Base = ((byte)Random.Shared.Next(100, 250), (byte)Random.Shared.Next(1, 250));
        _v6Base = (ushort)Random.Shared.Next(1, 0xFFFF);
        if (options.Capture is { } shared)
        {
            Capture = shared;
        }
        else if (options.PcapPath is { } path)
        {
            Capture = new UnderlayCapture(path);
            _ownsCapture = true;
        }
    }

    /// <summary>How it was built.</summary>
    public LabOptions Options { get; }

    /// <summary>The NVA (null while stopped by <see cref="StopNvaAsync"/>).</summary>
    public NvaServer Nva { get; private set; }

    /// <summary>A client of the NVA.</summary>
    public NvaClient Client { get; }

    /// <summary>The capture, when one was asked for.</summary>
    public UnderlayCapture? Capture { get; }

    /// <summary>The NVEs.</summary>
    public IReadOnlyList<Edge> Edges => _edges;

    /// <summary>Starts the NVA. Throws <see cref="InvalidOperationException"/> for an IPv6 underlay without root.</summary>
    public static async Task<InProcessLab> StartAsync(LabOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        if (options.Underlay == AddressFamily.InterNetworkV6 && !Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException("An IPv6 underlay adds fd00:4e56::/32 addresses to lo, which needs root; run as root or use the IPv4 underlay.");
        }
        loggerFactory ??= NullLoggerFactory.Instance;
        string? temp = null;
        string store = options.Store;
        if (store == "sqlite")
        {
            temp = Directory.CreateTempSubdirectory("nvo3-lab-").FullName;
            store = "sqlite:" + Path.Combine(temp, "nva.db");
        }
        var nva = await StartNvaAsync(store, "127.0.0.1:0", options, loggerFactory, cancellationToken).ConfigureAwait(false);
        return new InProcessLab(options, nva, store, temp, loggerFactory);
    }

    private static async Task<NvaServer> StartNvaAsync(string store, string listen, LabOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var opened = await DirectoryStores.OpenAsync(store, cancellationToken).ConfigureAwait(false);
        return await NvaServer.StartAsync(opened, new NvaServerOptions { Listen = listen, Settings = options.Nva, SweepInterval = TimeSpan.FromMilliseconds(50) },
            loggerFactory: loggerFactory, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the NVA (its store stays), as a crash or an upgrade would; the NVEs carry on with what they have.</summary>
    public async Task StopNvaAsync()
    {
        await Nva.DisposeAsync().ConfigureAwait(false);
        _nvaStopped = true;
    }

    /// <summary>Starts the NVA again on the same address and store (use a durable store: <c>Store = "sqlite"</c>).</summary>
    public async Task RestartNvaAsync(CancellationToken cancellationToken = default)
    {
        Nva = await StartNvaAsync(_storeSpec, $"{Client.Address.Host}:{Client.Address.Port}", Options, _loggerFactory, cancellationToken).ConfigureAwait(false);
        _nvaStopped = false;
    }

    private bool _nvaStopped;

    /// <summary>The underlay endpoint of NVE number <paramref name="index"/> (1-based).</summary>
    public UnderlayEndpoint EndpointFor(int index) => Options.Underlay == AddressFamily.InterNetworkV6
        ? new UnderlayEndpoint(IpAddr.FromV6(new UInt128(0xFD00_4E56_0000_0000UL | ((ulong)_v6Base << 16), (ulong)index)))
        : new UnderlayEndpoint(IpAddr.FromV4((127u << 24) | ((uint)_v4Base.A << 16) | ((uint)_v4Base.B << 8) | (uint)index));

    /// <summary>The ILA locator of NVE number <paramref name="index"/>: fdff:4e56:0:N::/64.</summary>
    public static ulong LocatorFor(int index) => 0xFDFF_4E56_0000_0000UL | (uint)index;

    /// <summary>Starts an NVE named <paramref name="name"/> on the next underlay address.</summary>
    public async Task<Edge> AddNveAsync(string name, Func<EdgeOptions, EdgeOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var endpoint = EndpointFor(_edges.Count + 1);
        if (endpoint.Address.IsV6)
        {
            AddAddress(endpoint.Address);
        }
        int index = _edges.Count + 1;
        var options = Options.ConfigureNve(new EdgeOptions { Name = name, Underlay = endpoint, Lease = TimeSpan.FromSeconds(10), IlaLocator = LocatorFor(index) });
        options = configure?.Invoke(options) ?? options;
        var edge = await Edge.StartAsync(options, Client, loggerFactory: _loggerFactory, cancellationToken: cancellationToken).ConfigureAwait(false);
        Capture?.Attach(edge);
        _edges.Add(edge);
        // The emulated VMs' host beside the NVE, its migration agent on loopback TCP.
        _hosts[name] = await EmulatedHost.StartAsync(edge, Client, new IPEndPoint(IPAddress.Loopback, 0), _loggerFactory).ConfigureAwait(false);
        return edge;
    }

    /// <summary>The emulated VMs' host beside NVE <paramref name="nve"/>.</summary>
    public EmulatedHost Host(Edge nve) => _hosts[nve.Name];

    /// <summary>The migration agent beside NVE <paramref name="nve"/>.</summary>
    public MigrationAgent Agent(Edge nve) => Host(nve).Agent;

    /// <summary>
    /// A move of <paramref name="vm"/> (running at <paramref name="from"/>) to <paramref name="to"/>, to run
    /// step by step or whole with <see cref="Driver"/>.
    /// </summary>
    public Move NewMove(EmulatedVm vm, uint vni, Edge from, Edge to, MigrationMode mode = MigrationMode.Hot, SuspendPolicy suspend = SuspendPolicy.Drop) =>
        new(Client, new MoveRequest(vm.Name, vni, vm.Mac, [.. vm.Addresses], mode) { Suspend = suspend }, new EdgeControl(from), new EdgeControl(to),
            logger: _loggerFactory.CreateLogger<Move>());

    /// <summary>The driver that moves an emulated VM from <paramref name="from"/>'s host to <paramref name="to"/>'s.</summary>
    public EmulatedDriver Driver(Edge from, Edge to, EmulatedMoveSettings? settings = null) => new(Host(from), Host(to), settings ?? new EmulatedMoveSettings());

    /// <summary>Moves <paramref name="vm"/> whole (<see cref="Move.RunAsync"/>); throws when it did not complete.</summary>
    public async Task<MoveReport> MoveAsync(EmulatedVm vm, uint vni, Edge from, Edge to, MigrationMode mode = MigrationMode.Hot, EmulatedMoveSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        var report = await NewMove(vm, vni, from, to, mode).RunAsync(Driver(from, to, settings), cancellationToken: cancellationToken).ConfigureAwait(false);
        return report.Outcome == MigrationOutcome.Completed ? report
            : throw new InvalidOperationException($"The move of {vm.Name} to {to.Name} ended {report.Outcome}: {report.Reason}");
    }

    /// <summary>The NVE named <paramref name="name"/>.</summary>
    public Edge Nve(string name) => _edges.Single(e => e.Name == name);

    /// <summary>
    /// Starts a VM at <paramref name="nve"/> in <paramref name="vni"/>: binds it in the NVA, wires it
    /// to the NVE's port and boots it (a network stack only: it moves without state).
    /// </summary>
    public async Task<EmulatedVm> AddVmAsync(string name, uint vni, MacAddress mac, IpAddr? ipv4, IpAddr? ipv6, Edge nve,
        Announcement announce = Announcement.Garp | Announcement.Na, CancellationToken cancellationToken = default) =>
        (await Host(nve).StartVmAsync(name, vni, mac, new[] { ipv4, ipv6 }.OfType<IpAddr>().ToList(), null, null, announce, cancellationToken).ConfigureAwait(false)).Vm;

    /// <summary>Polls <paramref name="condition"/> until it holds, or throws <see cref="TimeoutException"/> naming <paramref name="what"/>.</summary>
    public static Task WaitForAsync(Func<bool> condition, string what, CancellationToken cancellationToken = default, TimeSpan? timeout = null) =>
        Poll.UntilAsync(condition, what, cancellationToken, timeout);

    private void AddAddress(IpAddr address)
    {
        RunIp($"-6 addr add {address}/128 dev lo nodad");
        _addedAddresses.Add(address);
    }

    private static void RunIp(string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("ip", arguments) { RedirectStandardError = true, RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("Cannot run ip (iproute2).");
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 && !error.Contains("File exists", StringComparison.Ordinal) && !error.Contains("Cannot assign", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"ip {arguments} failed: {error.Trim()}");
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts.Values)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var edge in _edges)
        {
            await edge.DisposeAsync().ConfigureAwait(false);
        }
        Client.Dispose();
        if (!_nvaStopped)
        {
            await Nva.DisposeAsync().ConfigureAwait(false);
        }
        if (_ownsCapture)
        {
            Capture?.Dispose();
        }
        foreach (var address in _addedAddresses)
        {
            try
            {
                RunIp($"-6 addr del {address}/128 dev lo");
            }
            catch (InvalidOperationException)
            {
                // Already gone; nothing to undo.
            }
        }
        if (_tempDirectory is not null)
        {
            try
            {
                Directory.Delete(_tempDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
