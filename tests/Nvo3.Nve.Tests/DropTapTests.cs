using Microsoft.Extensions.Time.Testing;
using Nvo3.Packets;
using Nvo3.Testing;

namespace Nvo3.Nve.Tests;

/// <summary>
/// The drop tap behind <c>nvo3 nve trace</c>: nothing is queued while nobody traces, an attached
/// trace gets each drop's reason and headers, a slow trace loses drops to its count rather than
/// holding up the data path, and traces are bounded in number.
/// </summary>
public sealed class DropTapTests
{
    private static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 12, 1, 4, 0, 0, TimeSpan.Zero));

    [Fact]
    public void AddDrop_Traced_DecodesReasonAndHeaders()
    {
        var counters = new NveCounters();
        Assert.False(counters.Tap.Active);
        using var trace = counters.Tap.Attach(8, Time);
        Assert.True(counters.Tap.Active);
        byte[] datagram = UnknownVniDatagram.Build(vni: 999);

        counters.AddDrop(DropReason.UnknownVni, datagram, DropLayer.Underlay, 0, IpAddr.Parse("192.0.2.9"));

        Assert.Equal(1, counters.Dropped(DropReason.UnknownVni));
        Assert.True(trace.Reader.TryRead(out var frame));
        var drop = DropSummary.From(frame);
        Assert.Equal(DropReason.UnknownVni, drop.Reason);
        Assert.Equal(999u, drop.Vni);
        Assert.Equal(datagram.Length, drop.Length);
        Assert.Equal("192.0.2.9", drop.Sender);
        Assert.Equal("02:00:00:00:00:33", drop.SourceMac);
        Assert.Equal("02:00:00:00:00:22", drop.DestinationMac);
        Assert.Equal("ipv4", drop.EtherType);
        Assert.Equal("10.9.9.1", drop.SourceIp);
        Assert.Equal("10.9.9.2", drop.DestinationIp);
        Assert.Equal("udp", drop.Protocol);
        Assert.Equal(Time.GetUtcNow(), drop.Time);
    }

    [Fact]
    public void AddDrop_NobodyTracing_OnlyCounts_AndADetachedTraceGetsNothing()
    {
        var counters = new NveCounters();
        var trace = counters.Tap.Attach(8, Time);
        trace.Dispose();

        counters.AddDrop(DropReason.SourceGuard);
        counters.AddDrops(DropReason.ActivationTimeout, 3);

        Assert.False(counters.Tap.Active);
        Assert.Equal(1, counters.Dropped(DropReason.SourceGuard));
        Assert.Equal(3, counters.Dropped(DropReason.ActivationTimeout));
        Assert.False(trace.Reader.TryRead(out _));
        Assert.True(trace.Reader.Completion.IsCompleted);
    }

    [Fact]
    public void AddDrop_SlowTrace_CountsMissedAndKeepsTheFirst()
    {
        var counters = new NveCounters();
        using var trace = counters.Tap.Attach(2, Time);

        for (int i = 0; i < 5; i++)
        {
            counters.AddDrop(DropReason.NotHere);
        }
        counters.AddDrops(DropReason.ActivationTimeout, 4);

        Assert.Equal(4, trace.Missed);
        Assert.True(trace.Reader.TryRead(out var first));
        Assert.Equal(DropReason.NotHere, first.Reason);
        Assert.Equal(DropLayer.None, first.Layer);
        Assert.Null(DropSummary.From(first).SourceMac);
        Assert.True(trace.Reader.TryRead(out _));
        Assert.False(trace.Reader.TryRead(out _));
    }

    [Fact]
    public void Attach_MoreThanMax_Refused_AndEachTraceGetsEveryDrop()
    {
        var counters = new NveCounters();
        var traces = Enumerable.Range(0, DropTap.MaxTraces).Select(_ => counters.Tap.Attach(4, Time)).ToList();

        Assert.Throws<InvalidOperationException>(() => counters.Tap.Attach(4, Time));
        counters.AddDrops(DropReason.ActivationTimeout, 7);

        Assert.All(traces, t => Assert.True(t.Reader.TryRead(out var f) && f.Count == 7 && f.Reason == DropReason.ActivationTimeout));
        traces.ForEach(t => t.Dispose());
        Assert.False(counters.Tap.Active);
    }
}
