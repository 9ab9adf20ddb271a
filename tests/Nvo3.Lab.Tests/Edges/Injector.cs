using System.Net;
using System.Net.Sockets;
using Nvo3.Nve;
using Nvo3.Lab;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Lab.Tests.Edges;

/// <summary>A raw UDP socket on one of the lab's underlay addresses, to hand-craft what arrives at an NVE.</summary>
internal sealed class Injector : IDisposable
{
    private readonly Socket _socket;

    private Injector(Socket socket, UnderlayEndpoint endpoint)
    {
        _socket = socket;
        Endpoint = endpoint;
    }

    public UnderlayEndpoint Endpoint { get; }

    /// <summary>Binds to the lab's underlay address number <paramref name="index"/>; registers it as an external NVE when asked.</summary>
    public static async Task<Injector> CreateAsync(LabFixture f, int index, bool register)
    {
        var endpoint = f.Lab.EndpointFor(index);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(endpoint.Address.ToIPAddress(), 0));
        if (register)
        {
            await f.Lab.Client.AddNveAsync($"inject{index}", [endpoint]);
            foreach (var edge in f.Lab.Edges)
            {
                await LabFixture.WaitAsync(() => edge.View.Nves.ContainsKey($"inject{index}"), $"{edge.Name} to know the injector");
            }
        }
        return new Injector(socket, endpoint);
    }

    public void Send(Edge to, ReadOnlySpan<byte> datagram) =>
        _socket.SendTo(datagram, SocketFlags.None, new IPEndPoint(to.Endpoint.Address.ToIPAddress(), to.Endpoint.Port));

    /// <summary>A VXLAN datagram carrying a probe to <paramref name="vm"/>.</summary>
    public static byte[] ProbeDatagram(uint vni, EmulatedVm vm, long sequence, MacAddress? source = null)
    {
        Span<byte> payload = stackalloc byte[Probe.Length];
        Probe.Write(payload, sequence, 0);
        var frame = new byte[128];
        int n = UdpWriter.WriteFrame(frame, vm.Mac, source ?? MacAddress.Parse("02:00:00:00:09:09"), IpAddr.Parse("10.0.0.9"), vm.IPv4!.Value, Probe.Port, Probe.Port, payload);
        var datagram = new byte[VxlanHeader.Length + n];
        VxlanHeader.Write(datagram, vni);
        frame.AsSpan(0, n).CopyTo(datagram.AsSpan(VxlanHeader.Length));
        return datagram;
    }

    public void Dispose() => _socket.Dispose();
}
