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
            int first = underlay.Receive(batch);
            int total = first;
            var received = Enumerable.Range(0, first).Select(i => (batch.SenderPort(i), batch.Length(i), batch.Sender(i), batch.Datagram(i)[0])).ToList();
            while (total < sent.Count)
            {
                int n = underlay.Receive(batch);
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
