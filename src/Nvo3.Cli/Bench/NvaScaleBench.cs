using System.Diagnostics;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage;
using Nvo3.Packets;

namespace Nvo3.Cli.Bench;

/// <summary>How large a directory <c>nvo3 bench nva --nves N --vms M</c> builds and how much it measures.</summary>
/// <param name="Nves">NVEs, each simulated by one filtered watch stream of its network.</param>
/// <param name="Vms">Bindings, spread evenly over the NVEs.</param>
/// <param name="NetworkSize">NVEs per virtual network.</param>
/// <param name="Moves">Timed moves.</param>
/// <param name="Lookups">Timed look-ups.</param>
/// <param name="FanoutMoves">Timed moves while every NVE watches, one network after another.</param>
/// <param name="Concurrency">Client tasks issuing attaches, moves and look-ups at once.</param>
internal sealed record NvaScaleSettings(int Nves, int Vms, int NetworkSize, int Moves, int Lookups, int FanoutMoves, int Concurrency)
{
    /// <summary>Virtual networks: the NVEs in groups of <see cref="NetworkSize"/>.</summary>
    public int Networks => (Nves + NetworkSize - 1) / NetworkSize;

    /// <summary>The VNI of network <paramref name="k"/>.</summary>
    public static uint Vni(int k) => 1000u + (uint)k;
}

/// <summary>
/// Measures one NVA at data-center scale, hosted in this process over a given store, through the
/// real gRPC client: builds the directory (networks of <see cref="NvaScaleSettings.NetworkSize"/>
/// NVEs, the bindings spread over them), then measures look-ups per second over all bindings,
/// moves per second, and how long a move takes to reach every NVE of its network while each of the
/// N NVEs follows its own network with a filtered watch (and that no other NVE hears of it).
/// </summary>
internal sealed class NvaScaleBench(NvaScaleSettings settings, Action<string> progress)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    // Look-up streams the look-up tasks share: a handful of pull-mode NVEs, each asking for many.
    private const int LookupStreams = 4;

    /// <summary>Starts an NVA over <paramref name="store"/> (which it then owns), measures, and stops it.</summary>
    public async Task<NvaScaleFigures> RunAsync(string name, IDirectoryStore store, CancellationToken cancellationToken)
    {
        await using var server = await NvaServer.StartAsync(store, new NvaServerOptions { Listen = "127.0.0.1:0" }, cancellationToken: cancellationToken).ConfigureAwait(false);
        using var client = new NvaClient(server.Address);
        var (vms, setupSeconds) = await SetUpAsync(client, name, cancellationToken).ConfigureAwait(false);

        progress($"{name}: {settings.Lookups:N0} look-ups over {vms.Length:N0} bindings from {settings.Concurrency} tasks");
        var askers = Enumerable.Range(0, settings.Concurrency).Select(i => new Asker(vms, i)).ToArray();
        await Timed.RunAsync(askers, settings.Concurrency * 16, (a, ct) => LookUpAsync(client, a, ct), cancellationToken).ConfigureAwait(false);
        var (lookupSeconds, lookupLatencies) = await Timed.RunAsync(askers, settings.Lookups, (a, ct) => LookUpAsync(client, a, ct), cancellationToken).ConfigureAwait(false);

        // The same from the same tasks over a few look-up streams (as pull-mode NVEs would keep open).
        progress($"{name}: {settings.Lookups:N0} look-ups on {LookupStreams} streams from {settings.Concurrency} tasks");
        var streams = Enumerable.Range(0, LookupStreams).Select(i => client.OpenLookupStream($"bench-{i}")).ToArray();
        double streamedSeconds;
        long[] streamedLatencies;
        try
        {
            var streamAskers = askers.Select((a, i) => (Asker: a, Stream: streams[i % streams.Length])).ToArray();
            await Timed.RunAsync(streamAskers, settings.Concurrency * 16, (a, ct) => LookUpAsync(a.Stream, a.Asker, ct), cancellationToken).ConfigureAwait(false);
            (streamedSeconds, streamedLatencies) = await Timed.RunAsync(streamAskers, settings.Lookups, (a, ct) => LookUpAsync(a.Stream, a.Asker, ct), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }

        progress($"{name}: {settings.Moves:N0} moves from {settings.Concurrency} tasks, each on its own bindings");
        var movers = Enumerable.Range(0, settings.Concurrency).Select(i => new Mover(vms, i, settings.Concurrency)).ToArray();
        await Timed.RunAsync(movers, settings.Concurrency * 4, (m, ct) => m.MoveAsync(client, ct), cancellationToken).ConfigureAwait(false);
        var (moveSeconds, moveLatencies) = await Timed.RunAsync(movers, settings.Moves, (m, ct) => m.MoveAsync(client, ct), cancellationToken).ConfigureAwait(false);

        progress($"{name}: {settings.Nves:N0} NVEs watch their network; {settings.FanoutMoves} moves");
        var fanout = await MeasureFanoutAsync(server, client, vms, cancellationToken).ConfigureAwait(false);
        return new NvaScaleFigures(name, settings, vms.Length / setupSeconds,
            settings.Moves / moveSeconds, LatencySummary.FromTicks(moveLatencies),
            settings.Lookups / lookupSeconds, LatencySummary.FromTicks(lookupLatencies),
            settings.Lookups / streamedSeconds, LatencySummary.FromTicks(streamedLatencies),
            fanout.Delivery, fanout.Last, fanout.Foreign);
    }

    // The networks, the NVEs (external: no leases to keep alive) and the bindings, attached
    // through the API from Concurrency tasks.
    private async Task<(Vm[] Vms, double Seconds)> SetUpAsync(NvaClient client, string name, CancellationToken cancellationToken)
    {
        for (int k = 0; k < settings.Networks; k++)
        {
            await client.CreateVirtualNetworkAsync(new VirtualNetwork(NvaScaleSettings.Vni(k), $"bench{k}", NetworkMode.L2,
                [IpPrefix.Parse($"10.{k % 256}.0.0/16")], [], TimeSpan.Zero), cancellationToken).ConfigureAwait(false);
        }
        var nves = Enumerable.Range(0, settings.Nves).Select(NveName).ToArray();
        int next = -1;
        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(_ => Task.Run(async () =>
        {
            for (int n = Interlocked.Increment(ref next); n < settings.Nves; n = Interlocked.Increment(ref next))
            {
                var underlay = new UnderlayEndpoint(IpAddr.FromV4(0xC612_0000u + (uint)n)); // 198.18.0.0/15, benchmark addresses
                await client.AddNveAsync(nves[n], [underlay], cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken))).ConfigureAwait(false);

        int perNve = Math.Max(1, settings.Vms / settings.Nves);
        var vms = new Vm[perNve * settings.Nves];
        for (int j = 0; j < vms.Length; j++)
        {
            int nve = j / perNve;
            int network = nve / settings.NetworkSize;
            int local = j - network * settings.NetworkSize * perNve;
            var ip = IpAddr.FromV4((10u << 24) | ((uint)(network % 256) << 16) | (uint)(local / 250 << 8) | (uint)(local % 250 + 1));
            // Moves alternate between its home NVE and the next one in its network.
            int first = network * settings.NetworkSize;
            int size = Math.Min(settings.NetworkSize, settings.Nves - first);
            string other = nves[first + (nve - first + 1) % size];
            vms[j] = new Vm(new MacAddress(0x02_00_00_00_00_00UL + (ulong)j), ip, NvaScaleSettings.Vni(network), network, nves[nve], other);
        }
        progress($"{name}: {settings.Networks} networks, {settings.Nves:N0} NVEs; attaching {vms.Length:N0} bindings");
        var stopwatch = Stopwatch.StartNew();
        next = -1;
        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(_ => Task.Run(async () =>
        {
            for (int j = Interlocked.Increment(ref next); j < vms.Length; j = Interlocked.Increment(ref next))
            {
                var vm = vms[j];
                var b = await client.AttachAsync(new AttachRequest(vm.Vni, vm.Mac, [vm.Ip], vm.Home, $"vm{j}"), cancellationToken).ConfigureAwait(false);
                vm.Sequence = b.Sequence;
            }
        }, cancellationToken))).ConfigureAwait(false);
        return (vms, stopwatch.Elapsed.TotalSeconds);
    }

    private static string NveName(int n) => $"nve{n:D5}";

    private static Task LookUpAsync(NvaClient client, Asker asker, CancellationToken cancellationToken)
    {
        var vm = asker.Next();
        return CheckAsync(vm, client.LookupByIpAsync(vm.Vni, vm.Ip, cancellationToken: cancellationToken));
    }

    private static Task LookUpAsync(LookupStream stream, Asker asker, CancellationToken cancellationToken)
    {
        var vm = asker.Next();
        return CheckAsync(vm, stream.LookupByIpAsync(vm.Vni, vm.Ip, cancellationToken));
    }

    private static async Task CheckAsync(Vm vm, Task<LookupResult> lookup)
    {
        var found = await lookup.ConfigureAwait(false);
        if (found.Binding?.Mac != vm.Mac || found.Host is null)
        {
            throw new InvalidOperationException($"The look-up of {vm.Ip} in VNI {vm.Vni} found {found.Binding?.Mac.ToString() ?? "nothing"}, not {vm.Mac}.");
        }
    }

    // Every NVE watches its own network (50 streams to an HTTP/2 connection); the probe binding of
    // one network after another moves, and each move is timed until every NVE of its network has it.
    private async Task<(LatencySummary Delivery, LatencySummary Last, int Foreign)> MeasureFanoutAsync(NvaServer server, NvaClient client, Vm[] vms, CancellationToken cancellationToken)
    {
        int connections = (settings.Nves + NvaBenchSettings.SubscribersPerConnection - 1) / NvaBenchSettings.SubscribersPerConnection;
        var channels = Enumerable.Range(0, connections).Select(_ => new NvaClient(server.Address)).ToArray();
        var board = new ProbeBoard();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var probes = Enumerable.Range(0, settings.Networks).Select(k => vms.First(v => v.Network == k)).ToArray();
        var watchers = Enumerable.Range(0, settings.Nves).Select(n => Task.Run(() =>
            WatchAsync(channels[n / NvaBenchSettings.SubscribersPerConnection], n, board, probes, stop.Token), CancellationToken.None)).ToArray();
        try
        {
            var anyEnded = Task.WhenAny(watchers);
            var stopwatch = Stopwatch.StartNew();
            while (server.Hub.SubscriberCount < settings.Nves)
            {
                if (anyEnded.IsCompleted || stopwatch.Elapsed > Patience)
                {
                    throw new InvalidOperationException($"Only {server.Hub.SubscriberCount} of {settings.Nves} watch streams opened"
                        + (anyEnded.IsCompleted ? $"; one ended: {(await anyEnded.ConfigureAwait(false)).Exception?.InnerException?.Message ?? "without an error"}." : $" within {Patience.TotalSeconds} s."));
                }
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
            var delivery = new List<long>();
            var last = new List<long>();
            int foreign = 0;
            for (int m = -settings.Networks; m < settings.FanoutMoves; m++)
            {
                // The first move of each network is not timed.
                var probe = probes[(m + settings.Networks) % settings.Networks];
                int interested = Math.Min(settings.NetworkSize, settings.Nves - probe.Network * settings.NetworkSize);
                var round = new ProbeRound(probe.Sequence + 1, interested) { Start = Stopwatch.GetTimestamp() };
                board.Current = round;
                await Mover.MoveAsync(client, probe, cancellationToken).ConfigureAwait(false);
                var done = await Task.WhenAny(round.AllReceived.Task, anyEnded, Task.Delay(Patience, cancellationToken)).ConfigureAwait(false);
                if (done != round.AllReceived.Task)
                {
                    throw new InvalidOperationException($"A move in VNI {probe.Vni} reached {interested - round.Remaining} of its {interested} NVEs.");
                }
                foreign += round.Foreign;
                if (m >= 0)
                {
                    delivery.AddRange(round.Arrivals.Select(a => a - round.Start));
                    last.Add(round.Arrivals.Max() - round.Start);
                }
            }
            return (LatencySummary.FromTicks(delivery), LatencySummary.FromTicks(last), foreign);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            // The watchers end on cancellation; a straggler must not hide what happened above.
            await Task.WhenAny(Task.WhenAll(watchers), Task.Delay(Patience, CancellationToken.None)).ConfigureAwait(false);
            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    // NVE n follows its network; a probe's change counts for the round when it is of the probe
    // binding with the round's sequence number.
    private async Task WatchAsync(NvaClient channel, int n, ProbeBoard board, Vm[] probes, CancellationToken cancellationToken)
    {
        int network = n / settings.NetworkSize;
        int index = n - network * settings.NetworkSize;
        try
        {
            await foreach (var change in channel.WatchAsync(0, NveName(n), [NvaScaleSettings.Vni(network)], cancellationToken).ConfigureAwait(false))
            {
                if (change.Kind == ChangeKind.BindingPut && board.Current is { } round && change.Binding!.Sequence == round.Sequence)
                {
                    if (change.Binding.Mac == probes[network].Mac)
                    {
                        round.Arrived(index, Stopwatch.GetTimestamp());
                    }
                    else if (Array.Exists(probes, p => p.Mac == change.Binding.Mac))
                    {
                        round.ArrivedElsewhere();
                    }
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>A binding the bench looks up and moves, and where it last put it.</summary>
    private sealed class Vm(MacAddress mac, IpAddr ip, uint vni, int network, string home, string other)
    {
        public MacAddress Mac { get; } = mac;

        public IpAddr Ip { get; } = ip;

        public uint Vni { get; } = vni;

        public int Network { get; } = network;

        public string Home { get; } = home;

        public string Other { get; } = other;

        public string Nve { get; set; } = home;

        public long Sequence { get; set; }
    }

    /// <summary>One look-up task's walk over the bindings, from its own start and stride.</summary>
    private sealed class Asker(Vm[] vms, int task)
    {
        private long _next = (long)task * 7919;

        public Vm Next() => vms[(int)(_next++ * 104_729 % vms.Length)];
    }

    /// <summary>One move task and the bindings it owns (every Concurrency-th), moved in turn.</summary>
    private sealed class Mover(Vm[] vms, int task, int tasks)
    {
        private readonly int _first = task;
        private int _next = task;

        public Task MoveAsync(NvaClient client, CancellationToken cancellationToken)
        {
            var vm = vms[_next];
            _next = _next + tasks < vms.Length ? _next + tasks : _first;
            return MoveAsync(client, vm, cancellationToken);
        }

        // An unplanned move to its other NVE, claimed with the next sequence number, as an NVE
        // that saw the workload's gratuitous ARP would.
        public static async Task MoveAsync(NvaClient client, Vm vm, CancellationToken cancellationToken)
        {
            string to = vm.Nve == vm.Home ? vm.Other : vm.Home;
            var moved = await client.ActivateAsync(new ActivateRequest(vm.Vni, vm.Mac, to, MoveTrigger.Garp, vm.Sequence + 1, [vm.Ip]), cancellationToken).ConfigureAwait(false);
            if (moved.ActiveNve != to || moved.Sequence != vm.Sequence + 1)
            {
                throw new InvalidOperationException($"Moving {vm.Mac} to {to} with sequence {vm.Sequence + 1} left it at {moved.ActiveNve} with {moved.Sequence}.");
            }
            vm.Nve = to;
            vm.Sequence = moved.Sequence;
        }
    }
}
