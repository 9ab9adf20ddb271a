using System.Collections.Concurrent;
using System.Collections.Frozen;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// The tenant ports attached to this NVE, by binding and by network. Lookups never block: the
/// by-key map is concurrent and the by-network index is a frozen copy rebuilt on attach and detach.
/// </summary>
internal sealed class PortTable
{
    private readonly ConcurrentDictionary<(uint Vni, MacAddress Mac), LocalPort> _byKey = new();
    private volatile FrozenDictionary<uint, LocalPort[]> _byVni = FrozenDictionary<uint, LocalPort[]>.Empty;
    private readonly Lock _writer = new();

    /// <summary>Every attached port.</summary>
    public ICollection<LocalPort> All => _byKey.Values;

    /// <summary>The port of (<paramref name="vni"/>, <paramref name="mac"/>), if attached.</summary>
    public LocalPort? Get(uint vni, MacAddress mac) => _byKey.GetValueOrDefault((vni, mac));

    /// <summary>The ports of network <paramref name="vni"/>.</summary>
    public LocalPort[] InNetwork(uint vni) => _byVni.GetValueOrDefault(vni) ?? [];

    /// <summary>The networks that have a port here.</summary>
    public IEnumerable<uint> Networks => _byVni.Keys;

    /// <summary>Adds <paramref name="port"/>; false when its binding already has one.</summary>
    public bool TryAdd(LocalPort port)
    {
        lock (_writer)
        {
            if (!_byKey.TryAdd((port.Vni, port.Mac), port))
            {
                return false;
            }
            Reindex();
            return true;
        }
    }

    /// <summary>Removes this very port (not a later one of the same binding); false when it is not attached.</summary>
    public bool TryRemove(LocalPort port)
    {
        lock (_writer)
        {
            if (!_byKey.TryRemove(new KeyValuePair<(uint, MacAddress), LocalPort>((port.Vni, port.Mac), port)))
            {
                return false;
            }
            Reindex();
            return true;
        }
    }

    private void Reindex() =>
        _byVni = _byKey.Values.GroupBy(p => p.Vni).ToFrozenDictionary(g => g.Key, g => g.ToArray());
}
