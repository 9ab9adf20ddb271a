using System.Diagnostics;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.IntegrationTests;

/// <summary>
/// What the NVA told a client: for each binding the client wrote, the state of the last write the
/// NVA acknowledged, and the write still in flight when the NVA died, if any. After a crash and a
/// restart the directory must hold every acknowledged state; an in-flight write may or may not
/// have landed, but never in part.
/// </summary>
internal sealed class AcknowledgedWrites
{
    private readonly Dictionary<MacAddress, Entry> _entries = [];
    private int _acknowledged;

    /// <summary>How many writes the NVA acknowledged.</summary>
    public int Count => Volatile.Read(ref _acknowledged);

    /// <summary>A write of <paramref name="mac"/> is about to be sent; it would leave it active at <paramref name="nve"/> with <paramref name="sequence"/>.</summary>
    public void Sending(MacAddress mac, IpAddr ip, string name, string nve, long sequence)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(mac, out var entry))
            {
                _entries[mac] = entry = new Entry(ip, name);
            }
            entry.InFlight = (nve, sequence);
        }
    }

    /// <summary>The NVA acknowledged the write in flight for <paramref name="mac"/> and answered <paramref name="binding"/>.</summary>
    public void Acknowledged(MacAddress mac, Binding binding)
    {
        lock (_entries)
        {
            var entry = _entries[mac];
            Assert.Equal(entry.InFlight, (binding.ActiveNve, binding.Sequence));
            entry.Acknowledged = entry.InFlight;
            entry.InFlight = null;
        }
        Interlocked.Increment(ref _acknowledged);
    }

    /// <summary>Waits until at least <paramref name="count"/> writes are acknowledged.</summary>
    public async Task WaitForAsync(int count, TimeSpan timeout, Func<string> describe)
    {
        var stopwatch = Stopwatch.StartNew();
        while (Count < count)
        {
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"Only {Count} writes were acknowledged within {timeout.TotalSeconds} s, not {count}. {describe()}");
            }
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Asserts that <paramref name="bindings"/> (the directory after the restart) holds every
    /// acknowledged state, that each binding with a write in flight is in its old or its new
    /// state, and that it holds nothing the client never sent.
    /// </summary>
    public void AssertSurvived(IReadOnlyDictionary<MacAddress, Binding> bindings, int writers)
    {
        lock (_entries)
        {
            Assert.InRange(_entries.Values.Count(e => e.InFlight is not null), 0, writers);
            foreach (var (mac, entry) in _entries)
            {
                bool present = bindings.TryGetValue(mac, out var binding);
                if (entry.Acknowledged is null)
                {
                    // Its attach was in flight: absent, or there in full.
                    if (present)
                    {
                        AssertState(mac, entry, binding!, entry.InFlight!.Value);
                    }
                    continue;
                }
                Assert.True(present, $"acknowledged binding {mac} ({entry.Name}, {entry.Acknowledged}) is missing after the restart; {bindings.Count} bindings present, {Count} writes acknowledged");
                var state = (binding!.ActiveNve, binding.Sequence);
                var expected = entry.InFlight is { } next && state == next ? next : entry.Acknowledged.Value;
                AssertState(mac, entry, binding, expected);
            }
            foreach (var mac in bindings.Keys)
            {
                Assert.True(_entries.ContainsKey(mac), $"binding {mac} is in the directory but was never written");
            }
        }
    }

    private static void AssertState(MacAddress mac, Entry entry, Binding binding, (string? Nve, long Sequence) expected)
    {
        Assert.True((binding.ActiveNve, binding.Sequence) == expected,
            $"{mac} is active at {binding.ActiveNve} with sequence {binding.Sequence}; the client was told {entry.Acknowledged?.ToString() ?? "nothing"}, and had {entry.InFlight?.ToString() ?? "nothing"} in flight");
        Assert.Equal([entry.Ip], binding.Ips);
        Assert.Equal(entry.Name, binding.Name);
        Assert.Single(binding.Placements);
    }

    private sealed class Entry(IpAddr ip, string name)
    {
        public IpAddr Ip { get; } = ip;

        public string Name { get; } = name;

        public (string? Nve, long Sequence)? Acknowledged { get; set; }

        public (string? Nve, long Sequence)? InFlight { get; set; }
    }
}
