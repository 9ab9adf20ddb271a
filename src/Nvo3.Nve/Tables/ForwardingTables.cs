using System.Collections.Frozen;

namespace Nvo3.Nve;

/// <summary>
/// Everything the data path forwards with that comes from the directory: the other NVEs and one
/// <see cref="NetworkTable"/> per network. Immutable and swapped whole, so a reader sees either
/// the old tables or the new ones and never a table half rebuilt (a resync clears nothing in place).
/// </summary>
internal sealed class ForwardingTables(PeerTable peers, Peer? self, FrozenDictionary<uint, NetworkTable> networks)
{
    /// <summary>No peers, no networks.</summary>
    public static ForwardingTables Empty { get; } = new(PeerTable.Empty, null, FrozenDictionary<uint, NetworkTable>.Empty);

    /// <summary>The registered NVEs.</summary>
    public PeerTable Peers { get; } = peers;

    /// <summary>This NVE as its peers know it.</summary>
    public Peer? Self { get; } = self;

    /// <summary>The networks by VNI.</summary>
    public FrozenDictionary<uint, NetworkTable> Networks { get; } = networks;

    /// <summary>The table of network <paramref name="vni"/>.</summary>
    public NetworkTable? Network(uint vni) => Networks.GetValueOrDefault(vni);
}
