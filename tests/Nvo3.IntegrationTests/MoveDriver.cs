using System.Diagnostics;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;

namespace Nvo3.IntegrationTests;

/// <summary>
/// A move coordinator simulated with the NVA client: every interval it moves one workload to the
/// next NVE with a planned migration (begin, pause, the destination's activation, commit), and
/// leaves every <see cref="AbandonEvery"/>-th after its pause, as a coordinator that died would:
/// the NVA's leader must settle those. It records what the NVA acknowledged, and which calls
/// failed (their outcome unknown: the NVA may have died under them).
/// </summary>
internal sealed class MoveDriver(NvaClient client, uint vni, IReadOnlyList<string> nves, int workloads)
{
    private readonly object _lock = new();
    private readonly List<long> _successes = [];

    /// <summary>One moved workload: its MAC and IP, and where the last acknowledged activation put it.</summary>
    public sealed class Workload(MacAddress mac, IpAddr ip, string name)
    {
        public MacAddress Mac { get; } = mac;

        public IpAddr Ip { get; } = ip;

        public string Name { get; } = name;

        public string Nve { get; set; } = "";

        public long Sequence { get; set; }

        /// <summary>A call on it failed after the last acknowledgement: its state may be newer.</summary>
        public bool Unknown { get; set; }

        /// <summary>Its migration left open (on purpose, or after a failed call), which the leader must settle.</summary>
        public string? Abandoned { get; set; }
    }

    /// <summary>Every workload's last migration left open on purpose is abandoned this often.</summary>
    public int AbandonEvery { get; init; } = 7;

    public List<Workload> Workloads { get; } = [];

    /// <summary>Migrations the NVA acknowledged beginning, with whether this driver then committed them.</summary>
    public Dictionary<string, bool> Migrations { get; } = [];

    /// <summary>Moves during which a call failed (the NVA replica or an etcd member died under it).</summary>
    public int Interrupted { get; private set; }

    public async Task AttachAsync(CancellationToken cancellationToken)
    {
        for (int i = 0; i < workloads; i++)
        {
            var w = new Workload(new MacAddress(0x0200_0200_0000UL + (ulong)i), IpAddr.FromV4(0x0A02_0000u + (uint)i + 1), $"fault-{vni}-{i}");
            var b = await client.AttachAsync(new AttachRequest(vni, w.Mac, [w.Ip], nves[i % nves.Count], w.Name), cancellationToken);
            (w.Nve, w.Sequence) = (b.ActiveNve!, b.Sequence);
            Workloads.Add(w);
        }
    }

    /// <summary>The first acknowledged call at or after <paramref name="timestamp"/> (Stopwatch ticks), or null.</summary>
    public long? FirstSuccessAfter(long timestamp)
    {
        lock (_lock)
        {
            int i = _successes.FindIndex(t => t >= timestamp);
            return i < 0 ? null : _successes[i];
        }
    }

    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        for (long n = 0; !cancellationToken.IsCancellationRequested; n++)
        {
            var w = Workloads[(int)(n % Workloads.Count)];
            string to = nves[(nves.ToList().IndexOf(w.Nve) + 1) % nves.Count];
            try
            {
                await MoveAsync(w, to, abandon: n % AbandonEvery == AbandonEvery - 1, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (NvaException)
            {
                // Unavailable (every replica away for a moment), or a refusal after an unknown
                // outcome: re-read before moving it again.
                lock (_lock)
                {
                    Interrupted++;
                    w.Unknown = true;
                }
            }
            try
            {
                await Task.Delay(interval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task MoveAsync(Workload w, string to, bool abandon, CancellationToken cancellationToken)
    {
        if (w.Abandoned is { } left)
        {
            if ((await client.GetMigrationAsync(left, cancellationToken)).IsOpen)
            {
                return; // the leader has not settled it yet: leave the workload alone
            }
            w.Abandoned = null;
            w.Unknown = true;
        }
        if (w.Unknown)
        {
            // A call failed under the NVA, or the leader settled: learn where the workload is.
            var current = (await client.ListBindingsAsync(vni, cancellationToken: cancellationToken)).Single(b => b.Mac == w.Mac);
            (w.Nve, w.Sequence, w.Unknown) = (current.ActiveNve!, current.Sequence, false);
            w.Abandoned = current.MigrationId; // one begun before the failure: the leader settles it
            Succeeded();
            return;
        }
        var migration = await client.BeginMigrationAsync(new BeginMigrationRequest(w.Name, 0, default, to, MigrationMode.Hot), cancellationToken);
        Record(migration.Id, committed: false);
        await client.PauseMigrationAsync(migration.Id, cancellationToken);
        Succeeded();
        if (abandon)
        {
            // The coordinator "dies" here: the workload stays where it was until the leader settles.
            w.Abandoned = migration.Id;
            return;
        }
        var activated = await client.ActivateAsync(new ActivateRequest(vni, w.Mac, to, MoveTrigger.Garp, 0, [w.Ip]), cancellationToken);
        (w.Nve, w.Sequence) = (activated.ActiveNve!, activated.Sequence);
        await client.CommitMigrationAsync(migration.Id, cancellationToken);
        Record(migration.Id, committed: true);
        Succeeded();
    }

    private void Record(string id, bool committed)
    {
        lock (_lock)
        {
            Migrations[id] = committed;
        }
    }

    private void Succeeded()
    {
        lock (_lock)
        {
            _successes.Add(Stopwatch.GetTimestamp());
        }
    }
}
