using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Packets;

namespace Nvo3.Nva.Client;

/// <summary>
/// A live local copy of the directory, kept by snapshot and watch: what an NVE forwards with.
/// When the watch falls behind what the NVA keeps, it takes a new snapshot and watches again
/// (flannel's resync); when the NVA is unreachable it keeps what it has and retries, resuming
/// from the revision after the last one it applied (on another NVA replica when the client has
/// several), so the NVE keeps forwarding and reloads nothing the NVA still has the history of.
/// Readers never block: the tables are concurrent dictionaries.
/// </summary>
/// <remarks>
/// <see cref="Follow"/> limits the view to some networks: it then holds those networks, their
/// bindings and redirects, and every NVE, and the NVA sends it nothing of other networks.
/// </remarks>
public sealed partial class DirectoryView
{
    private readonly IDirectoryClient _client;
    private readonly string _watcher;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _followLock = new();
    private IReadOnlyCollection<uint>? _followed;
    private CancellationTokenSource? _watching;
    // Follow bumps the version; the loop reloads until it has loaded the newest one.
    private int _followVersion;
    private int _loadedVersion;

    /// <summary>Creates a view fed by <paramref name="client"/>; <paramref name="watcher"/> names it to the NVA.</summary>
    public DirectoryView(IDirectoryClient client, string watcher = "", TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        _client = client;
        _watcher = watcher;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<DirectoryView>();
    }

    /// <summary>Networks by VNI.</summary>
    public ConcurrentDictionary<uint, VirtualNetwork> Networks { get; } = new();

    /// <summary>NVEs by name.</summary>
    public ConcurrentDictionary<string, NveRecord> Nves { get; } = new();

    /// <summary>Bindings by (VNI, MAC).</summary>
    public ConcurrentDictionary<(uint Vni, MacAddress Mac), Binding> Bindings { get; } = new();

    /// <summary>Redirects by (VNI, MAC, old NVE).</summary>
    public ConcurrentDictionary<(uint Vni, MacAddress Mac, string OldNve), Redirect> Redirects { get; } = new();

    /// <summary>The revision the view has applied up to.</summary>
    public long Revision { get; private set; }

    /// <summary>How many times the view reloaded from a snapshot (the first load included).</summary>
    public int Loads { get; private set; }

    /// <summary>True while the watch stream is connected.</summary>
    public bool Connected { get; private set; }

    /// <summary>Called after each applied change, and with <see cref="ChangeKind.Resync"/> after each reload. Runs on the view's loop: keep it short.</summary>
    public event Action<DirectoryChange>? Changed;

    /// <summary>The networks the view follows; null for every network.</summary>
    public IReadOnlyCollection<uint>? FollowedNetworks
    {
        get
        {
            lock (_followLock)
            {
                return _followed;
            }
        }
    }

    /// <summary>
    /// Follows only <paramref name="vnis"/> (their networks, bindings and redirects, and every NVE;
    /// null: everything; empty: no network, only the NVEs). A running view reloads a snapshot of
    /// the new set and watches it from there; call it when the NVE gains or loses its first port
    /// in a network.
    /// </summary>
    public void Follow(IEnumerable<uint>? vnis)
    {
        var set = vnis?.Distinct().Order().ToArray();
        lock (_followLock)
        {
            // VNI 0 is never a network's: a filter of it alone lets only the NVE records through.
            _followed = set is null ? null : set.Length > 0 ? set : [0u];
            _followVersion++;
            _watching?.Cancel();
        }
    }

    /// <summary>Replaces the view's content with a snapshot (of the followed networks).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        var followed = FollowedNetworks;
        var s = followed is null ? await _client.SnapshotAsync(cancellationToken).ConfigureAwait(false)
            : await _client.SnapshotAsync(followed, cancellationToken).ConfigureAwait(false);
        Apply(s);
    }

    /// <summary>Replaces the view's content with <paramref name="snapshot"/>.</summary>
    public void Apply(DirectorySnapshot snapshot)
    {
        Replace(Networks, snapshot.Networks.ToDictionary(n => n.Vni));
        Replace(Nves, snapshot.Nves.ToDictionary(n => n.Name));
        Replace(Bindings, snapshot.Bindings.ToDictionary(b => (b.Vni, b.Mac)));
        Replace(Redirects, snapshot.Redirects.ToDictionary(r => (r.Vni, r.Mac, r.OldNve)));
        Revision = snapshot.Revision;
        Loads++;
        Changed?.Invoke(new DirectoryChange(snapshot.Revision, ChangeKind.Resync, ""));
    }

    /// <summary>
    /// Keeps the view current until cancelled: loads when empty, watches from the next revision,
    /// reloads on a resync marker, and retries (keeping its content) while the NVA is away.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!cancellationToken.IsCancellationRequested)
        {
            CancellationTokenSource watching;
            int version;
            lock (_followLock)
            {
                version = _followVersion;
                _watching = watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            }
            try
            {
                if (Loads == 0 || version != _loadedVersion)
                {
                    await LoadAsync(cancellationToken).ConfigureAwait(false);
                    _loadedVersion = version;
                }
                bool resync = false;
                Connected = true;
                var followed = FollowedNetworks;
                var changes = followed is null ? _client.WatchAsync(Revision + 1, _watcher, watching.Token)
                    : _client.WatchAsync(Revision + 1, _watcher, followed, watching.Token);
                await foreach (var change in changes.ConfigureAwait(false))
                {
                    backoff = TimeSpan.FromMilliseconds(100);
                    if (change.Kind == ChangeKind.Resync)
                    {
                        resync = true;
                        break;
                    }
                    Apply(change);
                }
                Connected = false;
                if (resync)
                {
                    Log.Resync(_logger, _watcher, Revision);
                    await LoadAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is OperationCanceledException or NvaException && watching.IsCancellationRequested)
            {
                // Follow changed the networks: reload them and watch again.
                Connected = false;
            }
            catch (NvaException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not (NvaException or OperationCanceledException))
            {
                // A failure of this loop or of a Changed handler: whoever restarts the loop gets a
                // fresh snapshot, since the change that failed may not have been applied everywhere.
                Connected = false;
                _loadedVersion = -1;
                throw;
            }
            catch (NvaException ex)
            {
                Connected = false;
                Log.Lost(_logger, _watcher, ex.Message, backoff);
                try
                {
                    await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
                // No reload: the watch resumes after the last revision applied, and the NVA
                // answers with a resync marker if it no longer has what changed meanwhile.
            }
            finally
            {
                lock (_followLock)
                {
                    _watching = null;
                }
                watching.Dispose();
            }
        }
        Connected = false;
    }

    /// <summary>Applies one change (a <see cref="ChangeKind.None"/> change only moves <see cref="Revision"/>).</summary>
    public void Apply(DirectoryChange change)
    {
        if (change.Kind == ChangeKind.None)
        {
            // Progress from the NVA: nothing changed in the followed networks up to this revision.
            Revision = Math.Max(Revision, change.Revision);
            return;
        }
        switch (change.Kind)
        {
            case ChangeKind.NetworkPut: Networks[change.Network!.Vni] = change.Network; break;
            case ChangeKind.NetworkDeleted: Networks.TryRemove(change.Vni, out _); break;
            case ChangeKind.NvePut: Nves[change.Nve!.Name] = change.Nve; break;
            case ChangeKind.NveDeleted: Nves.TryRemove(change.Name!, out _); break;
            case ChangeKind.BindingPut: Bindings[(change.Binding!.Vni, change.Binding.Mac)] = change.Binding; break;
            case ChangeKind.BindingDeleted: Bindings.TryRemove((change.Vni, change.Mac), out _); break;
            case ChangeKind.RedirectPut: Redirects[(change.Redirect!.Vni, change.Redirect.Mac, change.Redirect.OldNve)] = change.Redirect; break;
            case ChangeKind.RedirectDeleted: Redirects.TryRemove((change.Vni, change.Mac, change.Name!), out _); break;
            default: break;
        }
        if (change.Revision > Revision)
        {
            Revision = change.Revision;
        }
        Changed?.Invoke(change);
    }

    private static void Replace<TKey, TValue>(ConcurrentDictionary<TKey, TValue> target, Dictionary<TKey, TValue> source) where TKey : notnull
    {
        foreach (var key in target.Keys)
        {
            if (!source.ContainsKey(key))
            {
                target.TryRemove(key, out _);
            }
        }
        foreach (var (key, value) in source)
        {
            target[key] = value;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Watcher}: fell behind the NVA's history after revision {Revision}; reloading")]
        public static partial void Resync(ILogger logger, string watcher, long revision);

        [LoggerMessage(2, LogLevel.Warning, "{Watcher}: lost the NVA ({Reason}); keeping the current tables, retrying in {Delay}")]
        public static partial void Lost(ILogger logger, string watcher, string reason, TimeSpan delay);
    }
}
