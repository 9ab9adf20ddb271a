using System.Collections.Concurrent;
using Nvo3.Nva;

namespace Nvo3.Nve;

/// <summary>
/// The switch between <see cref="MemoryUnderlay"/> endpoints: a datagram sent to an endpoint
/// reaches the underlay created there, if any. Thread-safe.
/// </summary>
public sealed class MemoryUnderlayNetwork
{
    private readonly ConcurrentDictionary<UnderlayEndpoint, MemoryUnderlay> _endpoints = new();

    /// <summary>Creates the underlay of an NVE at <paramref name="local"/>; throws when the endpoint is taken.</summary>
    public MemoryUnderlay Create(UnderlayEndpoint local)
    {
        var underlay = new MemoryUnderlay(this, local);
        return _endpoints.TryAdd(local, underlay)
            ? underlay
            : throw new IOException($"Cannot bind the underlay to {local}: another NVE of this network is there.");
    }

    internal bool Deliver(UnderlayEndpoint to, bool gpe, UnderlayEndpoint from, ReadOnlySpan<byte> datagram) =>
        _endpoints.TryGetValue(to, out var underlay) && underlay.Enqueue(gpe, from, datagram);

    internal void Remove(MemoryUnderlay underlay) =>
        _endpoints.TryRemove(new KeyValuePair<UnderlayEndpoint, MemoryUnderlay>(underlay.Local, underlay));
}
