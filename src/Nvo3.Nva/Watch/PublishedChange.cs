using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;
using P = Nvo3.Protocol.V1;

namespace Nvo3.Nva.Watch;

/// <summary>
/// One change as the hub fans it out: the record change, the VNI that decides who gets it (0: every
/// watcher, as NVE changes and resync markers), and the message sent on every stream, built once.
/// </summary>
/// <param name="Change">The change.</param>
/// <param name="Vni">The network it belongs to; 0 when it concerns every watcher.</param>
internal sealed record PublishedChange(DirectoryChange Change, uint Vni)
{
    private P.WatchResponse? _message;

    /// <summary>
    /// The gRPC message for this change, built by the first stream that sends it (as of the time
    /// given then) and shared by every other. A race builds it twice, harmlessly.
    /// </summary>
    public P.WatchResponse Message(DateTimeOffset now, TimeSpan duplicateWindow) =>
        _message ??= Grpc.WatchMessages.ToMessage(Change, now, duplicateWindow);

    /// <summary>The store revision of the change.</summary>
    public long Revision => Change.Revision;

    /// <summary>True when a watcher of <paramref name="vnis"/> (null: every network) gets it.</summary>
    public bool Concerns(IReadOnlySet<uint>? vnis) => Vni == 0 || vnis is null || vnis.Contains(Vni);

    /// <summary>
    /// The change a store event makes, given the decoded new value (puts) and the value it replaced
    /// (for a delete's VNI); null for index keys and leases, which watchers never see.
    /// </summary>
    public static PublishedChange? From(StoreEvent e, object? value, object? previous)
    {
        var kind = Authority.RecordKind(e.Key);
        if (kind == ChangeKind.None)
        {
            return null;
        }
        if (e.Kind == StoreEventKind.Put)
        {
            return value switch
            {
                VirtualNetwork n => new(new DirectoryChange(e.Revision, kind, e.Key, Network: n), n.Vni),
                NveRecord n => new(new DirectoryChange(e.Revision, kind, e.Key, Nve: n), 0),
                Binding b => new(new DirectoryChange(e.Revision, kind, e.Key, Binding: b), b.Vni),
                Redirect r => new(new DirectoryChange(e.Revision, kind, e.Key, Redirect: r), r.Vni),
                Migration m => new(new DirectoryChange(e.Revision, kind, e.Key, Migration: m), m.Vni),
                _ => null,
            };
        }
        // Each ...Deleted kind follows its ...Put kind.
        var deleted = new DirectoryChange(e.Revision, kind + 1, e.Key);
        return kind switch
        {
            ChangeKind.BindingPut when Keys.TryParseBinding(e.Key, out uint vni, out var mac) => new(deleted with { Vni = vni, Mac = mac }, vni),
            ChangeKind.RedirectPut when Keys.TryParseRedirect(e.Key, out uint vni, out var mac, out string old) => new(deleted with { Vni = vni, Mac = mac, Name = old }, vni),
            ChangeKind.NetworkPut when Keys.TryParseNetwork(e.Key, out uint vni) => new(deleted with { Vni = vni }, vni),
            ChangeKind.NvePut => new(deleted with { Name = e.Key[Keys.Nves.Length..] }, 0),
            // A migration's key is its id alone; the record it replaced says whose it was.
            ChangeKind.MigrationPut => new(deleted with { Name = e.Key[Keys.Migrations.Length..] }, (previous as Migration)?.Vni ?? 0),
            _ => null,
        };
    }
}
