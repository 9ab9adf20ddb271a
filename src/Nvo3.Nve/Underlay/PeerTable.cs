using System.Collections.Frozen;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// The registered NVEs, immutable: rebuilt when the directory's NVE list changes (rarely) and
/// swapped in whole, so the data path reads it without locks. A packet's sender is identified by
/// its underlay address; where several NVEs share an address (a lab on one host) by address and
/// port.
/// </summary>
public sealed class PeerTable
{
    private readonly FrozenDictionary<string, Peer> _byName;
    private readonly FrozenDictionary<IpAddr, Peer?> _byAddress;
    private readonly FrozenDictionary<UnderlayEndpoint, Peer> _byEndpoint;
    private readonly FrozenDictionary<ulong, Peer> _byLocator;

    /// <summary>An empty table.</summary>
    public static PeerTable Empty { get; } = new([]);

    /// <summary>Builds a table of <paramref name="nves"/>.</summary>
    public PeerTable(IEnumerable<NveRecord> nves)
    {
        var peers = nves.Where(n => n.Underlay.Count > 0).Select(n => new Peer(n.Name, n.Primary) { IlaLocator = n.IlaLocator }).ToList();
        _byName = peers.ToFrozenDictionary(p => p.Name);
        _byEndpoint = peers.GroupBy(p => p.Endpoint).ToFrozenDictionary(g => g.Key, g => g.First());
        _byLocator = peers.Where(p => p.IlaLocator is not null).GroupBy(p => p.IlaLocator!.Value).ToFrozenDictionary(g => g.Key, g => g.First());
        // An address shared by several NVEs maps to null: those are told apart by port.
        _byAddress = peers.GroupBy(p => p.Endpoint.Address).ToFrozenDictionary(g => g.Key, g => g.Count() == 1 ? g.First() : null);
    }

    /// <summary>Every peer.</summary>
    public IEnumerable<Peer> All => _byName.Values;

    /// <summary>The peer named <paramref name="name"/>.</summary>
    public Peer? ByName(string? name) => name is not null && _byName.TryGetValue(name, out var p) ? p : null;

    /// <summary>The peer whose ILA locator is <paramref name="locator"/>.</summary>
    public Peer? ByLocator(ulong locator) => _byLocator.GetValueOrDefault(locator);

    /// <summary>The peer that sent from <paramref name="address"/>:<paramref name="port"/>, or null for a stranger.</summary>
    public Peer? BySender(IpAddr address, ushort port)
    {
        if (!_byAddress.TryGetValue(address, out var peer))
        {
            return null;
        }
        return peer ?? _byEndpoint.GetValueOrDefault(new UnderlayEndpoint(address, port));
    }
}
