using System.Diagnostics;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage;
using Nvo3.Packets;

namespace Nvo3.Cli.Bench;

/// <summary>How much <c>nvo3 bench nva</c> measures.</summary>
/// <param name="Moves">Timed moves per backend.</param>
/// <param name="Lookups">Timed look-ups per backend.</param>
/// <param name="Subscribers">Subscriber counts for the fan-out measurement.</param>
/// <param name="Concurrency">Client tasks issuing moves, and look-ups, at once.</param>
/// <param name="FanoutMoves">Timed moves per subscriber count.</param>
internal sealed record NvaBenchSettings(int Moves, int Lookups, IReadOnlyList<int> Subscribers, int Concurrency, int FanoutMoves)
{
    /// <summary>Watch streams that share one gRPC channel (one HTTP/2 connection; Kestrel allows 100 streams on one).</summary>
    public const int SubscribersPerConnection = 50;
}

/// <summary>
/// Measures one NVA, hosted in this process on 127.0.0.1 over a given store, through the real
/// gRPC client: moves per second, look-ups per second, and how long a move takes to reach
/// every watching subscriber.
/// </summary>
internal sealed class NvaBench(NvaBenchSettings settings, Action<string> progress)
{
    private const uint Vni = 100;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Starts an NVA over <paramref name="store"/> (which it then owns), measures, and stops it.</summary>
    public async Task<NvaBenchFigures> RunAsync(string name, IDirectoryStore store, CancellationToken cancellationToken)
    {
        await using var server = await NvaServer.StartAsync(store, new NvaServerOptions { Listen = "127.0.0.1:0" }, cancellationToken: cancellationToken).ConfigureAwait(false);
        using var client = new NvaClient(server.Address);
        var workloads = await SetUpAsync(client, cancellationToken).ConfigureAwait(false);

        progress($"{name}: {workloads.Length} bindings attached; {settings.Moves} moves from {settings.Concurrency} tasks");
        var movers = workloads[..settings.Concurrency];
        await Timed.RunAsync(movers, settings.Concurrency * 4, (w, ct) => MoveAsync(client, w, ct), cancellationToken).ConfigureAwait(false); // warm-up
        var (moveSeconds, moveLatencies) = await Timed.RunAsync(movers, settings.Moves, (w, ct) => MoveAsync(client, w, ct), cancellationToken).ConfigureAwait(false);

        progress($"{name}: {settings.Lookups} look-ups from {settings.Concurrency} tasks");
        var askers = Enumerable.Range(0, settings.Concurrency).Select(_ => new Asker(workloads)).ToArray();
        await Timed.RunAsync(askers, settings.Concurrency * 16, (a, ct) => LookUpAsync(client, a, ct), cancellationToken).ConfigureAwait(false); // warm-up
        var (lookupSeconds, lookupLatencies) = await Timed.RunAsync(askers, settings.Lookups, (a, ct) => LookUpAsync(client, a, ct), cancellationToken).ConfigureAwait(false);

        var fanout = new List<FanoutFigures>();
        foreach (int subscribers in settings.Subscribers)
        {
            progress($"{name}: fan-out to {subscribers} subscribers, {settings.FanoutMoves} moves");
            fanout.Add(await MeasureFanoutAsync(server, client, workloads[^1], subscribers, cancellationToken).ConfigureAwait(false));
        }
        return new NvaBenchFigures(name,
            settings.Moves, settings.Moves / moveSeconds, LatencySummary.FromTicks(moveLatencies),
            settings.Lookups, settings.Lookups / lookupSeconds, LatencySummary.FromTicks(lookupLatencies),
            fanout);
    }

    // One network, NVEs a and b, and bindings 10.0.1.1, 10.0.1.2, … at a: the first Concurrency
    // are moved, the last is the fan-out probe, and look-ups ask for all of them.
    private async Task<Workload[]> SetUpAsync(NvaClient client, CancellationToken cancellationToken)
    {
        await client.CreateVirtualNetworkAsync(new VirtualNetwork(Vni, "bench", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/16")], [], TimeSpan.Zero), cancellationToken).ConfigureAwait(false);
        await client.AddNveAsync("a", [UnderlayEndpoint.Parse("192.0.2.1")], cancellationToken: cancellationToken).ConfigureAwait(false);
        await client.AddNveAsync("b", [UnderlayEndpoint.Parse("192.0.2.2")], cancellationToken: cancellationToken).ConfigureAwait(false);
        var workloads = Enumerable.Range(0, Math.Max(256, settings.Concurrency + 1))
            .Select(i => new Workload(new MacAddress(0x02_00_00_00_01_00UL + (ulong)i), IpAddr.FromV4(0x0A00_0101u + (uint)i)))
            .ToArray();
        int next = -1;
        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < workloads.Length; i = Interlocked.Increment(ref next))
            {
                var w = workloads[i];
                var b = await client.AttachAsync(new AttachRequest(Vni, w.Mac, [w.Ip], "a", $"bench-{i}"), cancellationToken).ConfigureAwait(false);
                w.Nve = b.ActiveNve!;
                w.Sequence = b.Sequence;
            }
        }, cancellationToken))).ConfigureAwait(false);
        return workloads;
    }

    // An unplanned move to the other NVE, claimed with the next sequence number, as an NVE that
    // saw the workload's gratuitous ARP would.
    private static async Task MoveAsync(NvaClient client, Workload w, CancellationToken cancellationToken)
    {
        string to = w.Nve == "a" ? "b" : "a";
        var moved = await client.ActivateAsync(new ActivateRequest(Vni, w.Mac, to, MoveTrigger.Garp, w.Sequence + 1, [w.Ip]), cancellationToken).ConfigureAwait(false);
        if (moved.ActiveNve != to || moved.Sequence != w.Sequence + 1)
        {
            throw new InvalidOperationException($"Moving {w.Mac} to {to} with sequence {w.Sequence + 1} left it at {moved.ActiveNve} with {moved.Sequence}.");
        }
        w.Nve = to;
        w.Sequence = moved.Sequence;
    }

    private static async Task LookUpAsync(NvaClient client, Asker asker, CancellationToken cancellationToken)
    {
        var w = asker.Next();
        var found = await client.LookupByIpAsync(Vni, w.Ip, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (found.Binding?.Mac != w.Mac || found.Host is null)
        {
            throw new InvalidOperationException($"The look-up of {w.Ip} found {found.Binding?.Mac.ToString() ?? "nothing"}, not {w.Mac}.");
        }
    }

    // Opens `subscribers` watch streams, SubscribersPerConnection to a gRPC channel, then moves the
    // probe binding FanoutMoves times (after one untimed move), each time waiting until every
    // subscriber has received the binding with the new sequence number.
    private async Task<FanoutFigures> MeasureFanoutAsync(NvaServer server, NvaClient client, Workload probe, int subscribers, CancellationToken cancellationToken)
    {
        int connections = (subscribers + NvaBenchSettings.SubscribersPerConnection - 1) / NvaBenchSettings.SubscribersPerConnection;
        var channels = Enumerable.Range(0, connections).Select(_ => new NvaClient(server.Address)).ToArray();
        var board = new ProbeBoard();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // The streams of the previous round end on the server shortly after their clients cancel:
        // count from none, or those would be counted as this round's.
        var waiting = Stopwatch.StartNew();
        while (server.Hub.SubscriberCount > 0)
        {
            if (waiting.Elapsed > Patience)
            {
                throw new InvalidOperationException($"{server.Hub.SubscriberCount} watch streams of the previous round are still open on the NVA after {Patience.TotalSeconds} s.");
            }
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
        var watchers = Enumerable.Range(0, subscribers)
            .Select(i => Task.Run(() => WatchAsync(channels[i / NvaBenchSettings.SubscribersPerConnection], i, probe.Mac, board, stop.Token), CancellationToken.None))
            .ToArray();
        try
        {
            var anyEnded = Task.WhenAny(watchers);
            var stopwatch = Stopwatch.StartNew();
            while (server.Hub.SubscriberCount < subscribers)
            {
                if (anyEnded.IsCompleted || stopwatch.Elapsed > Patience)
                {
                    throw new InvalidOperationException($"Only {server.Hub.SubscriberCount} of {subscribers} watch streams opened{(anyEnded.IsCompleted ? "; one ended: " + Describe(await anyEnded.ConfigureAwait(false)) : "")}.");
                }
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }

            var delivery = new List<long>(subscribers * settings.FanoutMoves);
            var last = new List<long>(settings.FanoutMoves);
            for (int m = -1; m < settings.FanoutMoves; m++)
            {
                var round = new ProbeRound(probe.Sequence + 1, subscribers);
                board.Current = round;
                round.Start = Stopwatch.GetTimestamp();
                await MoveAsync(client, probe, cancellationToken).ConfigureAwait(false);
                var done = await Task.WhenAny(round.AllReceived.Task, anyEnded, Task.Delay(Patience, cancellationToken)).ConfigureAwait(false);
                if (done != round.AllReceived.Task)
                {
                    throw new InvalidOperationException($"A move reached {subscribers - round.Remaining} of {subscribers} subscribers"
                        + (done == anyEnded ? "; a watch stream ended: " + Describe(await anyEnded.ConfigureAwait(false)) : $" within {Patience.TotalSeconds} s."));
                }
                if (m >= 0)
                {
                    delivery.AddRange(round.Arrivals.Select(a => a - round.Start));
                    last.Add(round.Arrivals.Max() - round.Start);
                }
            }
            return new FanoutFigures(subscribers, connections, settings.FanoutMoves, LatencySummary.FromTicks(delivery), LatencySummary.FromTicks(last));
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            // The watchers end on cancellation; each catches its own exception.
            await Task.WhenAll(watchers).WaitAsync(Patience, CancellationToken.None).ConfigureAwait(false);
            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    // Returns null when cancelled, or what ended the stream early.
    private static async Task<Exception?> WatchAsync(NvaClient channel, int index, MacAddress probe, ProbeBoard board, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in channel.WatchAsync(0, $"bench-{index}", cancellationToken).ConfigureAwait(false))
            {
                if (change.Kind == ChangeKind.BindingPut && change.Binding!.Mac == probe && board.Current is { } round && change.Binding.Sequence == round.Sequence)
                {
                    round.Arrived(index, Stopwatch.GetTimestamp());
                }
            }
            return cancellationToken.IsCancellationRequested ? null : new InvalidOperationException("The NVA ended the watch stream (a resync).");
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private static string Describe(Task<Exception?> ended) => ended.Result?.Message ?? "cancelled";

    /// <summary>A binding the bench moves or looks up, and where it last put it.</summary>
    private sealed class Workload(MacAddress mac, IpAddr ip)
    {
        public MacAddress Mac { get; } = mac;

        public IpAddr Ip { get; } = ip;

        public string Nve { get; set; } = "a";

        public long Sequence { get; set; }
    }

    /// <summary>One look-up task's walk over the bindings, from a different start for each.</summary>
    private sealed class Asker(Workload[] workloads)
    {
        private int _next = Random.Shared.Next(workloads.Length);

        public Workload Next() => workloads[_next++ % workloads.Length];
    }
}
