using System.Net;
using System.Net.Sockets;
using System.Text;
using Nvo3.Lab.Linux;
using Nvo3.Nve.Linux;

namespace Nvo3.Qemu.Tests;

/// <summary>Talks to the guest's echo servers (port 7) from inside a test namespace.</summary>
internal static class Echo
{
    /// <summary>Sends <paramref name="text"/> over UDP and returns what came back (null after the timeout, retried: the first datagram may wait on ARP).</summary>
    public static string? Udp(string netns, string address, string text)
    {
        var ip = IPAddress.Parse(address);
        using var socket = NetworkNamespace.Run(netns, () => new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp));
        socket.ReceiveTimeout = 1000;
        var buffer = new byte[1500];
        for (int attempt = 0; attempt < 5; attempt++)
        {
            socket.SendTo(Encoding.ASCII.GetBytes(text), new IPEndPoint(ip, 7));
            try
            {
                int n = socket.Receive(buffer);
                return Encoding.ASCII.GetString(buffer, 0, n);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TimedOut)
            {
            }
        }
        return null;
    }

    /// <summary>Connects over TCP, sends <paramref name="text"/> and reads the same number of bytes back.</summary>
    public static async Task<string> TcpAsync(string netns, string address, string text)
    {
        var ip = IPAddress.Parse(address);
        using var socket = NetworkNamespace.Run(netns, () => new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(new IPEndPoint(ip, 7), timeout.Token);
        byte[] sent = Encoding.ASCII.GetBytes(text);
        await socket.SendAsync(sent, timeout.Token);
        var received = new byte[sent.Length];
        int total = 0;
        while (total < received.Length)
        {
            int n = await socket.ReceiveAsync(received.AsMemory(total), timeout.Token);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return Encoding.ASCII.GetString(received, 0, total);
    }
}
