using System.Net;
using System.Net.Sockets;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>The underlay's batched receive: every queued datagram in one call, each with its sender and length.</summary>
public class UdpUnderlayTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void Receive_QueuedDatagramsFromSeveralSenders_ReadsThemAllInOneBatchWithTheirSenders(string address)
    {
        var ip = IPAddress.Parse(address);
        using var underlay = Bind(IpAddr.Parse(address));
        var local = new IPEndPoint(ip, underlay.Local.Port);
        var senders = Enumerable.Range(0, 5).Select(_ =>
        {
            var s = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(ip, 0));
            return s;
        }).ToList();
        try
        {
            var sent = new List<(ushort Port, int Length)>();
            for (int i = 0; i < 12; i++)
            {
                var from = senders[i % senders.Count];
                var datagram = Enumerable.Repeat((byte)i, 20 + (i * 37)).ToArray();
                from.SendTo(datagram, local);
                sent.Add(((ushort)((IPEndPoint)from.LocalEndPoint!).Port, datagram.Length));
            }
            Thread.Sleep(50); // all queued before the read

            using var batch = new UnderlayBatch(8);
            int first = underlay.Receive(batch, gpe: false);
            int total = first;
            var received = Enumerable.Range(0, first).Select(i => (batch.SenderPort(i), batch.Length(i), batch.Sender(i), batch.Datagram(i)[0])).ToList();
            while (total < sent.Count)
            {
                int n = underlay.Receive(batch, gpe: false);
                received.AddRange(Enumerable.Range(0, n).Select(i => (batch.SenderPort(i), batch.Length(i), batch.Sender(i), batch.Datagram(i)[0])));
                total += n;
            }

            Assert.Equal(8, first); // a full batch from one call
            Assert.Equal(sent.Count, received.Count);
            for (int i = 0; i < sent.Count; i++)
            {
                Assert.Equal(sent[i].Port, received[i].Item1);
                Assert.Equal(sent[i].Length, received[i].Item2);
                Assert.Equal(IpAddr.Parse(address), received[i].Item3);
                Assert.Equal((byte)i, received[i].Item4);
            }
        }
        finally
        {
            senders.ForEach(s => s.Dispose());
        }
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void SendsInABatch_LeaveAtItsEnd_EachFlowInOrder_AndAreCounted(string address)
    {
        var ip = IpAddr.Parse(address);
        using var sender = Bind(ip);
        using var receiver = Bind(ip);
        var peer = new Peer("b", receiver.Local);
        using var gathered = sender.CreateSendBatch(4);
        Assert.NotNull(gathered); // Linux: sendmmsg

        sender.BeginBatch(gathered);
        for (int i = 0; i < 10; i++) // more than the batch holds: it flushes on the way
        {
            Assert.True(sender.Send(Enumerable.Repeat((byte)i, 30 + i).ToArray(), peer, flowHash: i % 3, gpe: false));
        }
        var jumbo = new byte[UnderlayBatch.MaxDatagram + 10]; // too large to gather: sent at once
        Assert.True(sender.Send(jumbo, peer, flowHash: 0, gpe: false));
        Assert.Equal(9, sender.DatagramsSent); // two flushes of 4 and the large one; 2 still gathered
        Assert.Equal(0, sender.EndBatch());
        Assert.Equal(11, sender.DatagramsSent);
        Assert.Equal(Enumerable.Range(0, 10).Sum(i => 30 + i) + jumbo.Length, sender.BytesSent);

        using var batch = new UnderlayBatch(16);
        var got = new List<byte[]>();
        while (got.Count < 11)
        {
            int n = receiver.Receive(batch, gpe: false);
            got.AddRange(Enumerable.Range(0, n).Select(i => batch.Datagram(i).ToArray()));
        }
        var small = got.Where(d => d.Length < 100).ToList();
        Assert.Equal(10, small.Count);
        foreach (int flow in new[] { 0, 1, 2 })
        {
            var sequence = small.Select(d => (int)d[0]).Where(v => v % 3 == flow).ToList();
            Assert.Equal(Enumerable.Range(0, 10).Where(v => v % 3 == flow), sequence); // in order within the flow
        }
        Assert.All(small, d => Assert.Equal(30 + d[0], d.Length));
        Assert.Contains(got, d => d.Length == UnderlayBatch.ReadLength); // the large one, cut at the receiver's read
    }

    // An underlay on a free port pair (VXLAN and the GPE port after it).
    private static UdpUnderlay Bind(IpAddr address)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return new UdpUnderlay(new UnderlayEndpoint(address, (ushort)Random.Shared.Next(20000, 60000)), sendSockets: 1);
            }
            catch (IOException) when (attempt < 20)
            {
                // Taken: another pair.
            }
        }
    }
}
