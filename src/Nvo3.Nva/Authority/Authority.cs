using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;
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
public sealed partial class Authority
{
    private readonly IDirectoryStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates an authority over <paramref name="store"/>.</summary>
    public Authority(IDirectoryStore store, NvaSettings? settings = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        _store = store;
        Settings = settings ?? new NvaSettings();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<Authority>();
    }

    /// <summary>The rules and limits in force.</summary>
    public NvaSettings Settings { get; }

    /// <summary>The store behind it.</summary>
    public IDirectoryStore Store => _store;

    /// <summary>The clock the rules use.</summary>
    public TimeProvider Time => _time;

    private DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Reads everything at one revision: what a resyncing watcher starts from.</summary>
    public async Task<DirectorySnapshot> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        var all = await _store.ListAsync("", cancellationToken).ConfigureAwait(false);
        var networks = new List<VirtualNetwork>();
        var nves = new List<NveRecord>();
        var bindings = new List<Binding>();
        var redirects = new List<Redirect>();
        var migrations = new List<Migration>();
        foreach (var e in all.Entries)
        {
            switch (RecordKind(e.Key))
            {
                case ChangeKind.NetworkPut: networks.Add(RecordJson.Decode<VirtualNetwork>(e.Value)); break;
                case ChangeKind.NvePut: nves.Add(RecordJson.Decode<NveRecord>(e.Value)); break;
                case ChangeKind.BindingPut: bindings.Add(RecordJson.Decode<Binding>(e.Value)); break;
                case ChangeKind.RedirectPut: redirects.Add(RecordJson.Decode<Redirect>(e.Value)); break;
                case ChangeKind.MigrationPut: migrations.Add(RecordJson.Decode<Migration>(e.Value)); break;
                default: break;
            }
        }
        return new DirectorySnapshot(all.Revision, networks, nves, bindings, redirects, migrations);
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
    // conflict: compare-and-swap, never last-writer-wins.
    private async Task<T> TransactAsync<T>(string what, Func<Task<(StoreTransaction Txn, T Result)>> attempt, CancellationToken cancellationToken)
    {
        for (int i = 0; i < Settings.MaxAttempts; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (txn, result) = await attempt().ConfigureAwait(false);
            var commit = await _store.CommitAsync(txn, cancellationToken).ConfigureAwait(false);
            if (commit.Succeeded)
            {
                return result;
            }
            Log.Conflict(_logger, what, i + 1);
            if (i > 2)
            {
                // Many writers on one record: spread the retries.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 1 + Math.Min(i, 20))), _time, cancellationToken).ConfigureAwait(false);
            }
        }
        throw new NvaException(NvaError.Aborted, $"{what}: concurrent changes won {Settings.MaxAttempts} times in a row; retry.");
    }

    private async Task<(T? Record, StoreEntry? Entry)> ReadAsync<T>(string key, CancellationToken cancellationToken) where T : class
    {
        var entry = await _store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        return entry is null ? (null, null) : (RecordJson.Decode<T>(entry.Value), entry);
    }

    private async Task<(VirtualNetwork Network, StoreEntry Entry)> RequireNetworkAsync(uint vni, CancellationToken cancellationToken)
    {
        var (network, entry) = await ReadAsync<VirtualNetwork>(Keys.Network(vni), cancellationToken).ConfigureAwait(false);
        return network is null
            ? throw new NvaException(NvaError.NotFound, $"Unknown VNI {vni}; create it first (nvo3 vn create --vni {vni} ...).")
            : (network, entry!);
    }

    private async Task<(NveRecord Nve, StoreEntry Entry)> RequireNveAsync(string name, CancellationToken cancellationToken)
    {
        RequireName(name, "NVE name");
        var (nve, entry) = await ReadAsync<NveRecord>(Keys.Nve(name), cancellationToken).ConfigureAwait(false);
        return nve is null
            ? throw new NvaException(NvaError.NotFound, $"Unknown NVE '{name}'; register it (nvo3 nve run) or add it (nvo3 nve add).")
            : (nve, entry!);
    }

    private async Task<(Binding Binding, StoreEntry Entry)> RequireBindingAsync(uint vni, MacAddress mac, CancellationToken cancellationToken)
    {
        var (binding, entry) = await ReadAsync<Binding>(Keys.Binding(vni, mac), cancellationToken).ConfigureAwait(false);
        return binding is null
            ? throw new NvaException(NvaError.NotFound, $"No binding for MAC {mac} in VNI {vni}; attach it first (nvo3 vm attach).")
            : (binding, entry!);
    }

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
    }
}
