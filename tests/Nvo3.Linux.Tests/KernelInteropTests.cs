using System.Net;
using System.Net.Sockets;
using Nvo3.Lab.Netns;
using Nvo3.Lab.Linux;
using Nvo3.Nve.Linux;
using Nvo3.Testing;

namespace Nvo3.Linux.Tests;

/// <summary>
/// Interop with the Linux kernel's own VXLAN: a VM behind a kernel vxlan device (registered in the
/// NVA as an external NVE, its FDB programmed from the directory) and a VM behind an Nvo3 NVE
/// exchange ping and TCP both ways, and tshark on the underlay sees standard VXLAN both ways.
/// </summary>
public class KernelInteropTests
{
    [Fact]
    public async Task KernelVtepAndNvo3_PingAndTcpBothWays_StandardVxlanOnTheWire()
    {
        Root.Require();
        Root.RequireTool("ping", "-V", "iputils-ping");
        Tshark.SkipUnlessInstalled();
        await using var lab = await LabFixture.UpAsync(hosts: 1, vms: 1, kernelVtep: true);
        var nvo3Vm = lab.Lab.Vm("vm1");
        var kernelVm = lab.Lab.Vm($"k{NetnsLab.KernelVmNumber}");
        string nveAddress = lab.Lab.Host("h1").Underlay, kernelAddress = lab.Lab.Host(NetnsLab.KernelVtepName).Underlay;

        using var capture = await NetnsCapture.StartAsync(lab.Lab.State.UnderlayNamespace, "br0", "udp port 4789");
        var pings = new[]
        {
            Ping.Run(kernelVm.Netns, nvo3Vm.Ipv4), Ping.Run(nvo3Vm.Netns, kernelVm.Ipv4),
            Ping.Run(kernelVm.Netns, nvo3Vm.Ipv6), Ping.Run(nvo3Vm.Netns, kernelVm.Ipv6),
        };
        long toNvo3 = await StreamAsync(kernelVm, nvo3Vm, 5002);
        long toKernel = await StreamAsync(nvo3Vm, kernelVm, 5003);
        await capture.StopAsync();

        Assert.All(pings, r => Assert.True(r.Received == r.Sent, $"{r.Received}/{r.Sent} answered\n{lab.Logs()}"));
        Assert.Equal(256 * 1024, toNvo3);
        Assert.Equal(256 * 1024, toKernel);

        var frames = await Tshark.DissectFileAsync(capture.Path, TestContext.Current.CancellationToken);
        Assert.All(frames, f =>
        {
            Assert.Contains(":udp:vxlan:eth:", f.Protocols, StringComparison.Ordinal);
            Assert.Equal("100", f.Single("vxlan.vni"));
            Assert.False(f.IsMalformed);
        });
        var kernelToNvo3 = frames.Where(f => f.Values("ip.src")[0] == kernelAddress && f.Values("ip.dst")[0] == nveAddress).ToList();
        var nvo3ToKernel = frames.Where(f => f.Values("ip.src")[0] == nveAddress && f.Values("ip.dst")[0] == kernelAddress).ToList();
        Assert.Contains(kernelToNvo3, f => f.Inner("eth.src") == kernelVm.Mac && f.Protocols.EndsWith(":tcp", StringComparison.Ordinal));
        Assert.Contains(nvo3ToKernel, f => f.Inner("eth.src") == nvo3Vm.Mac && f.Protocols.EndsWith(":tcp", StringComparison.Ordinal));
        Assert.Contains(kernelToNvo3, f => f.Protocols.Contains(":icmpv6", StringComparison.Ordinal));
        Assert.Contains(nvo3ToKernel, f => f.Protocols.Contains(":icmp", StringComparison.Ordinal));
        // Both VTEPs speak RFC 7348: destination port 4789, the I flag, a source port from the flow.
        Assert.All(kernelToNvo3.Concat(nvo3ToKernel), f => Assert.Equal("4789", f.Values("udp.dstport")[0]));
        TestContext.Current.TestOutputHelper?.WriteLine($"underlay: {kernelToNvo3.Count} VXLAN packets kernel → Nvo3, {nvo3ToKernel.Count} Nvo3 → kernel");
    }

    // A 256 KiB counter stream from one VM to the other over TCP; returns the bytes checked at the receiver.
    private static async Task<long> StreamAsync(Nvo3.Lab.Netns.LabVm from, Nvo3.Lab.Netns.LabVm to, int port)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var listener = NetworkNamespace.Run(to.Netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(IPAddress.Parse(to.Ipv4), port));
        listener.Listen();
        using var client = NetworkNamespace.Run(from.Netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        var accepting = listener.AcceptAsync(timeout.Token);
        await client.ConnectAsync(new IPEndPoint(IPAddress.Parse(to.Ipv4), port), timeout.Token);
        using var server = await accepting;
        var receiving = CounterStream.ReceiveAsync(server, timeout.Token);
        using var stop = new CancellationTokenSource();
        // 16 chunks of 16 KiB as fast as they go, then shut down.
        var sending = Task.Run(async () =>
        {
            var buffer = new byte[16 * 1024];
            long offset = 0;
            for (int c = 0; c < 16; c++)
            {
                for (int i = 0; i < buffer.Length; i++)
                {
                    buffer[i] = CounterStream.ByteAt(offset + i);
                }
                await client.SendAsync(buffer, SocketFlags.None);
                offset += buffer.Length;
            }
            client.Shutdown(SocketShutdown.Send);
        });
        await sending;
        return (await receiving).Bytes;
    }
}
