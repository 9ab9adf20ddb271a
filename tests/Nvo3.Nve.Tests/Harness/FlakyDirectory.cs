using System.Runtime.CompilerServices;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>
/// The NVA as one NVE sees it, which a test can take away and give back: while <see cref="Down"/>
/// every call fails as unavailable and a running watch ends the same way, as when the NVA's
/// process or the network to it is gone.
/// </summary>
internal sealed class FlakyDirectory(IDirectoryClient inner) : IDirectoryClient
{
    private readonly Lock _gate = new();
    private CancellationTokenSource _cut = new();
    private volatile bool _down;
    private int _activations;

    /// <summary>True while the NVA cannot be reached.</summary>
    public bool Down
    {
        get => _down;
        set
        {
            lock (_gate)
            {
                _down = value;
                if (value)
                {
                    _cut.Cancel();
                    _cut = new CancellationTokenSource();
                }
            }
        }
    }

    /// <summary>Activations asked for, whether or not the NVA was there.</summary>
    public int Activations => Volatile.Read(ref _activations);

    public Task<NveRecord> RegisterNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, TimeSpan lease, Uri? agent, CancellationToken cancellationToken = default) =>
        Up(() => inner.RegisterNveAsync(name, underlay, ilaLocator, lease, agent, cancellationToken));

    public Task<DateTimeOffset> KeepAliveAsync(string name, CancellationToken cancellationToken = default) => Up(() => inner.KeepAliveAsync(name, cancellationToken));

    public Task<Binding> ActivateAsync(ActivateRequest request, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _activations);
        return Up(() => inner.ActivateAsync(request, cancellationToken));
    }

    public Task<LookupResult> LookupByMacAsync(uint vni, MacAddress mac, string askingNve = "", CancellationToken cancellationToken = default) =>
        Up(() => inner.LookupByMacAsync(vni, mac, askingNve, cancellationToken));

    public Task<DirectorySnapshot> SnapshotAsync(CancellationToken cancellationToken = default) => Up(() => inner.SnapshotAsync(cancellationToken));

    public Task<DirectorySnapshot> SnapshotAsync(IReadOnlyCollection<uint>? vnis, CancellationToken cancellationToken = default) =>
        Up(() => inner.SnapshotAsync(vnis, cancellationToken));

    public IAsyncEnumerable<DirectoryChange> WatchAsync(long fromRevision, string nve = "", CancellationToken cancellationToken = default) =>
        WatchAsync(fromRevision, nve, null, cancellationToken);

    public async IAsyncEnumerable<DirectoryChange> WatchAsync(long fromRevision, string nve, IReadOnlyCollection<uint>? vnis,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        CancellationToken cut;
        lock (_gate)
        {
            ThrowIfDown();
            cut = _cut.Token;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, cut);
        var changes = inner.WatchAsync(fromRevision, nve, vnis, linked.Token).GetAsyncEnumerator(linked.Token);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await changes.MoveNextAsync();
                }
                catch (OperationCanceledException) when (cut.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw Unavailable();
                }
                if (!more)
                {
                    yield break;
                }
                yield return changes.Current;
            }
        }
        finally
        {
            await changes.DisposeAsync();
        }
    }

    private Task<T> Up<T>(Func<Task<T>> call)
    {
        ThrowIfDown();
        return call();
    }

    private void ThrowIfDown()
    {
        if (_down)
        {
            throw Unavailable();
        }
    }

    private static NvaException Unavailable() => new(NvaError.Unavailable, "Cannot reach the NVA (taken away by the test).");
}
