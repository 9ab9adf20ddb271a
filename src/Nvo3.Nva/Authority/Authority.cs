using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;
using Nvo3.Nva.View;
using Nvo3.Packets;
using Nvo3.Security;

namespace Nvo3.Nva;

/// <summary>
/// The Network Virtualization Authority: the one source of truth for where every tenant address
/// lives, and the rules that decide who may claim it (RFC 8014, RFC 8394, EVPN's mobility rules).
/// Every change is one store transaction guarded by compare-and-swap on the records it read, so
/// concurrent requests, and several NVA processes on one etcd, never overwrite each other: the
/// loser re-reads and the rules decide again.
/// </summary>
/// <remarks>
/// With a watched copy of the store (<see cref="View"/>, which the NVA server keeps), reads and the
/// first attempt of each decision use the copy once it holds every write this NVA acknowledged; a
/// conflict, or a refusal, is decided again on the store itself, so a copy that lagged behind
/// another replica's write costs a retry and never a wrong answer.
/// </remarks>
public sealed partial class Authority
{
    private readonly IDirectoryStore _store;
    private readonly StoreSource _storeSource;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _lastCommitted;

    /// <summary>Creates an authority over <paramref name="store"/>.</summary>
    public Authority(IDirectoryStore store, NvaSettings? settings = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        _store = store;
        _storeSource = new StoreSource(store);
        Settings = settings ?? new NvaSettings();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<Authority>();
        Health = new Hosting.StoreHealth(_time);
    }

    /// <summary>The watched copy of the store that reads prefer; null reads the store (set by the watch hub once it is loaded).</summary>
    internal DirectoryCache? View { get; set; }

    /// <summary>Since when the store has answered without failing: every commit reports to it.</summary>
    public Hosting.StoreHealth Health { get; }

    /// <summary>Transactions that lost a compare-and-swap and were decided again (a count, for the bench and the status).</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    private long _conflicts;

    /// <summary>The revision of the newest commit this authority made: reads wait for the watched copy to hold it.</summary>
    public long LastCommittedRevision => Interlocked.Read(ref _lastCommitted);

    /// <summary>The rules and limits in force.</summary>
    public NvaSettings Settings { get; }

    /// <summary>The store behind it.</summary>
    public IDirectoryStore Store => _store;

    /// <summary>The clock the rules use.</summary>
    public TimeProvider Time => _time;

    private DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Reads everything at one revision: what a resyncing watcher starts from.</summary>
    public Task<DirectorySnapshot> SnapshotAsync(CancellationToken cancellationToken = default) => SnapshotAsync(null, cancellationToken);

    /// <summary>
    /// Reads, at one revision, everything (<paramref name="vnis"/> null) or what a watcher of those
    /// networks needs: the networks, their bindings, redirects and migrations, and every NVE.
    /// </summary>
    public async Task<DirectorySnapshot> SnapshotAsync(IReadOnlySet<uint>? vnis, CancellationToken cancellationToken = default)
    {
        if (await FreshSourceAsync(cancellationToken).ConfigureAwait(false) is DirectoryCache view)
        {
            return view.Snapshot(vnis);
        }
        var all = await _store.ListAsync("", cancellationToken).ConfigureAwait(false);
        var networks = new List<VirtualNetwork>();
        var nves = new List<NveRecord>();
        var leases = new Dictionary<string, NveLease>(StringComparer.Ordinal);
        var bindings = new List<Binding>();
        var redirects = new List<Redirect>();
        var migrations = new List<Migration>();
        foreach (var e in all.Entries)
        {
            switch (RecordJson.DecodeAny(e.Key, e.Value))
            {
                case VirtualNetwork n when vnis is null || vnis.Contains(n.Vni): networks.Add(n); break;
                case NveRecord n: nves.Add(n); break;
                case NveLease l: leases[e.Key[Keys.Leases.Length..]] = l; break;
                case Binding b when vnis is null || vnis.Contains(b.Vni): bindings.Add(b); break;
                case Redirect r when vnis is null || vnis.Contains(r.Vni): redirects.Add(r); break;
                case Migration m when vnis is null || vnis.Contains(m.Vni): migrations.Add(m); break;
                default: break;
            }
        }
        return new DirectorySnapshot(all.Revision, networks, nves.ConvertAll(n => NveLease.Current(n, leases.GetValueOrDefault(n.Name))), bindings, redirects, migrations);
    }

    /// <summary>The kind of record a key holds (a Put kind), or <see cref="ChangeKind.None"/> for index keys.</summary>
    internal static ChangeKind RecordKind(string key) =>
        key.StartsWith(Keys.Networks, StringComparison.Ordinal) ? ChangeKind.NetworkPut
        : key.StartsWith(Keys.Nves, StringComparison.Ordinal) ? ChangeKind.NvePut
        : key.StartsWith(Keys.Bindings, StringComparison.Ordinal) ? ChangeKind.BindingPut
        : key.StartsWith(Keys.Redirects, StringComparison.Ordinal) ? ChangeKind.RedirectPut
        : key.StartsWith(Keys.Migrations, StringComparison.Ordinal) ? ChangeKind.MigrationPut
        : ChangeKind.None;

    // Runs one read-decide-commit attempt until its transaction commits, re-reading after every
    // conflict: compare-and-swap, never last-writer-wins. The first attempt reads the watched copy
    // once it holds this NVA's writes; a conflict or a refusal is decided again on the store.
    private Task<T> TransactAsync<T>(string what, Func<IRecordSource, Task<(StoreTransaction Txn, T Result)>> attempt, CancellationToken cancellationToken) =>
        TransactAsync(what, (source, _) => attempt(source), cancellationToken);

    // The same, telling the attempt whether a commit of this request failed before: on etcd a
    // commit whose answer was lost is retried and fails its compares although it was applied, so
    // a delete that then finds nothing has found its own work.
    private async Task<T> TransactAsync<T>(string what, Func<IRecordSource, bool, Task<(StoreTransaction Txn, T Result)>> attempt, CancellationToken cancellationToken)
    {
        var source = await FreshSourceAsync(cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < Settings.MaxAttempts; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            StoreTransaction txn;
            T result;
            try
            {
                (txn, result) = await attempt(source, i > 0).ConfigureAwait(false);
            }
            catch (NvaException) when (source != _storeSource)
            {
                // The copy may lag behind another replica's write: refuse only on what the store says.
                source = _storeSource;
                (txn, result) = await attempt(source, i > 0).ConfigureAwait(false);
            }
            var commit = await CommitAsync(txn, cancellationToken).ConfigureAwait(false);
            if (commit.Succeeded)
            {
                return result;
            }
            source = _storeSource;
            Interlocked.Increment(ref _conflicts);
            Log.Conflict(_logger, what, i + 1);
            if (i > 2)
            {
                // Many writers on one record: spread the retries.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 1 + Math.Min(i, 20))), _time, cancellationToken).ConfigureAwait(false);
            }
        }
        throw new NvaException(NvaError.Aborted, $"{what}: concurrent changes won {Settings.MaxAttempts} times in a row; retry.");
    }

    // Commits and remembers the newest revision this authority wrote, for read-your-writes.
    private async ValueTask<StoreCommit> CommitAsync(StoreTransaction txn, CancellationToken cancellationToken)
    {
        StoreCommit commit;
        try
        {
            commit = await _store.CommitAsync(txn, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            Health.Failed();
            throw;
        }
        Health.Succeeded();
        if (commit.Succeeded)
        {
            long seen = Interlocked.Read(ref _lastCommitted);
            while (commit.Revision > seen && Interlocked.CompareExchange(ref _lastCommitted, commit.Revision, seen) != seen)
            {
                seen = Interlocked.Read(ref _lastCommitted);
            }
        }
        return commit;
    }

    // The watched copy once it holds this authority's last write (and minRevision); else the store.
    private ValueTask<IRecordSource> FreshSourceAsync(CancellationToken cancellationToken) => FreshSourceAsync(0, cancellationToken);

    private async ValueTask<IRecordSource> FreshSourceAsync(long minRevision, CancellationToken cancellationToken) =>
        View is { } view && await view.WaitForAsync(Math.Max(minRevision, LastCommittedRevision), cancellationToken).ConfigureAwait(false)
            ? view : _storeSource;

    private static async Task<Stored<VirtualNetwork>> RequireNetworkAsync(IRecordSource source, uint vni, CancellationToken cancellationToken) =>
        await source.GetAsync<VirtualNetwork>(Keys.Network(vni), cancellationToken).ConfigureAwait(false)
            ?? throw new NvaException(NvaError.NotFound, $"Unknown VNI {vni}; create it first (nvo3 vn create --vni {vni} ...).");

    private static async Task<Stored<NveRecord>> RequireNveAsync(IRecordSource source, string name, CancellationToken cancellationToken)
    {
        RequireName(name, "NVE name");
        return await source.GetAsync<NveRecord>(Keys.Nve(name), cancellationToken).ConfigureAwait(false)
            ?? throw new NvaException(NvaError.NotFound, $"Unknown NVE '{name}'; register it (nvo3 nve run) or add it (nvo3 nve add).");
    }

    private static async Task<Stored<Binding>> RequireBindingAsync(IRecordSource source, uint vni, MacAddress mac, CancellationToken cancellationToken) =>
        await source.GetAsync<Binding>(Keys.Binding(vni, mac), cancellationToken).ConfigureAwait(false)
            ?? throw new NvaException(NvaError.NotFound, $"No binding for MAC {mac} in VNI {vni}; attach it first (nvo3 vm attach).");

    private static void RequireVni(uint vni)
    {
        if (vni == 0 || vni > VxlanHeader.MaxVni)
        {
            throw new NvaException(NvaError.InvalidArgument, $"VNI {vni} is out of range; a VNI is 1 to {VxlanHeader.MaxVni}.");
        }
    }

    private static void RequireName(string? name, string what)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new NvaException(NvaError.InvalidArgument, $"The {what} is missing.");
        }
        // The same rule as the names in certificates' identities (nvo3://nve/NAME).
        if (!NameRule.IsValid(name))
        {
            throw new NvaException(NvaError.InvalidArgument, $"The {what} '{name}' must be {NameRule.Description}.");
        }
    }

    private static void RequireUnicastMac(MacAddress mac)
    {
        if (mac.IsMulticast || mac.IsZero)
        {
            throw new NvaException(NvaError.InvalidArgument, $"MAC {mac} is not a unicast address; a tenant interface needs one (the first byte's low bit clear).");
        }
    }

    private void RequireListLength<T>(IReadOnlyCollection<T> list, string what)
    {
        if (list.Count > Settings.MaxListLength)
        {
            throw new NvaException(NvaError.InvalidArgument, $"Too many {what}: {list.Count}; at most {Settings.MaxListLength} per request.");
        }
    }

    [DoesNotReturn]
    private static void Refuse(NvaError error, string message) => throw new NvaException(error, message);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "{What}: a concurrent change won (attempt {Attempt}); re-reading")]
        public static partial void Conflict(ILogger logger, string what, int attempt);

        [LoggerMessage(2, LogLevel.Warning, "Binding {Vni}/{Mac} is a duplicate: {Moves} unplanned moves within {Window}; policy {Policy}")]
        public static partial void DuplicateDetected(ILogger logger, uint vni, MacAddress mac, int moves, TimeSpan window, DuplicatePolicy policy);

        [LoggerMessage(3, LogLevel.Information, "Binding {Vni}/{Mac} activated at {Nve} (sequence {Sequence}, {Trigger}, {Kind})")]
        public static partial void Activated(ILogger logger, uint vni, MacAddress mac, string nve, long sequence, MoveTrigger trigger, string kind);

        [LoggerMessage(4, LogLevel.Information, "Claim for {Vni}/{Mac} by {Nve} refused: {Reason}")]
        public static partial void ClaimRefused(ILogger logger, uint vni, MacAddress mac, string nve, string reason);

        [LoggerMessage(5, LogLevel.Information, "Migration {Id} of {Name} from {Source} to {Destination}: {Phase}")]
        public static partial void MigrationPhase(ILogger logger, string id, string name, string source, string destination, MigrationPhase phase);

        [LoggerMessage(6, LogLevel.Warning, "NVE {Nve} is down: no renewal since {Renewed:O}")]
        public static partial void NveDown(ILogger logger, string nve, DateTimeOffset renewed);

        [LoggerMessage(7, LogLevel.Warning, "Migration {Id} of {Name} settled as {Phase}: {Reason}")]
        public static partial void Settled(ILogger logger, string id, string name, MigrationPhase phase, string reason);

        [LoggerMessage(8, LogLevel.Warning, "Failover: {Name} activated at its standby {Standby} ({Outage} ms after {Primary}'s last renewal)")]
        public static partial void FailedOver(ILogger logger, string name, string standby, string primary, long outage);
    }
}
