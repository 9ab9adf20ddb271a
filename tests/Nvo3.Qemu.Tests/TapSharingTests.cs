using Nvo3.Nve;
using Nvo3.Lab.Linux;
using Nvo3.Nve.Linux;
using Nvo3.Packets;
using Nvo3.Qemu.Image;
using Nvo3.Qemu.Vm;

namespace Nvo3.Qemu.Tests;

/// <summary>
/// How an NVE's TAP port and a QEMU guest can share a wire. A TAP descriptor is the device's
/// wire end and its interface the kernel's end: two descriptors on one multi-queue TAP are two
/// queues of the same wire end, so what QEMU writes goes to the kernel, never to the NVE. What
/// works: QEMU's TAP and the NVE's TAP patched back to back (tc mirred), the NVE's TapPort unchanged.
/// </summary>
public class TapSharingTests
{
    private static readonly MacAddress NveSide = MacAddress.Parse("02:4e:33:00:00:99");
    private static readonly MacAddress GuestMac = MacAddress.Parse("02:4e:33:00:00:05");

    [Fact]
    public void MultiQueueTap_FrameWrittenOnOneQueue_GoesToTheKernelNotToTheOtherQueue()
    {
        Machine.RequireRootQemu();
        using var net = new TestNetwork();
        string ns = net.AddNamespace("mq");
        string tap = net.TapName("mq");
        using var nve = NetworkNamespace.Run(ns, () => new MultiQueueTap(tap));
        using var qemu = NetworkNamespace.Run(ns, () => new MultiQueueTap(tap));
        TestNetwork.Ip("-n", ns, "addr", "add", "10.78.0.1/24", "dev", tap);
        TestNetwork.Ip("-n", ns, "link", "set", tap, "up");
        nve.ReadAll();
        qemu.ReadAll();

        // "QEMU" asks for the address of 10.78.0.1 on its queue.
        var frame = new byte[64];
        int length = ArpWriter.WriteRequestFrame(frame, GuestMac, IpAddr.Parse("10.78.0.5"), IpAddr.Parse("10.78.0.1"));
        qemu.Write(frame.AsSpan(0, length));

        // The kernel answers (on one queue or the other, by its flow hash); the request itself
        // never appears on the NVE's queue: both descriptors are the same end of the wire.
        var replies = new List<byte[]>();
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (replies.Count == 0 && System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5))
        {
            foreach (var f in nve.ReadAll().Concat(qemu.ReadAll()))
            {
                Assert.False(f.AsSpan().SequenceEqual(frame.AsSpan(0, length)), "a frame written on one queue came out of another");
                if (EthernetFrame.TryParse(f, out var eth, out _) && eth.EtherType == EtherType.Arp && ArpPacket.TryParse(eth.Payload, out var arp, out _) && arp.Operation == ArpOperation.Reply)
                {
                    replies.Add(f);
                }
            }
            Thread.Sleep(20);
        }
        Assert.Single(replies);
    }

    [Fact]
    public async Task InterfacePatch_QemuTapAndAnNveTapPort_GuestAnswersTheNve()
    {
        Machine.RequireRootQemu();
        var image = await TestImage.GetAsync();
        using var net = new TestNetwork();
        string ns = net.AddNamespace("nve");
        string nveTap = net.TapName("n"), guestTap = net.TapName("g");
        using var port = NetworkNamespace.Run(ns, () => TapPort.Create(nveTap));
        await using var vm = await QemuVm.StartAsync(new QemuVmOptions
        {
            Name = net.Prefix + "-g", Image = image, Boot = new GuestBootArguments { Ipv4 = "10.77.0.5/24" }, Mac = GuestMac,
            TapName = guestTap, Netns = ns, Accelerator = QemuAccelerator.Tcg,
        });
        await InterfacePatch.ConnectAsync(ns, guestTap, nveTap);
        using (var boot = new CancellationTokenSource(QemuVmTests.BootTimeout))
        {
            await vm.WaitForSerialAsync(GuestInit.ReadyMarker, boot.Token);
        }

        // The NVE asks who has 10.77.0.5, then sends a datagram to its UDP echo, all through its own TAP port.
        var frame = new byte[128];
        var nveIp = IpAddr.Parse("10.77.0.1");
        var guestIp = IpAddr.Parse("10.77.0.5");
        port.Send(frame.AsSpan(0, ArpWriter.WriteRequestFrame(frame, NveSide, nveIp, guestIp)));
        Assert.True(await ReceiveAsync(port, f => ArpPacket.TryParse(f.Payload, out var arp, out _) && arp.Operation == ArpOperation.Reply && arp.SenderMac == GuestMac && arp.SenderIp == guestIp),
            "the guest's ARP reply reaches the NVE's TAP port");
        port.Send(frame.AsSpan(0, UdpWriter.WriteFrame(frame, GuestMac, NveSide, nveIp, guestIp, 40000, 7, "through the patch"u8)));
        Assert.True(await ReceiveAsync(port, f => IPv4Packet.TryParse(f.Payload, out var ip, out _) && ip.Protocol == IpProtocol.Udp
            && UdpDatagram.TryParse(ip.Payload, out var udp, out _) && udp.Payload.SequenceEqual("through the patch"u8)),
            "the guest's UDP echo reaches the NVE's TAP port");
    }

    [Fact]
    public async Task QemuOnATapTheNveHolds_RefusedAsBusy()
    {
        Machine.RequireRootQemu();
        var image = await TestImage.GetAsync();
        using var net = new TestNetwork();
        string ns = net.AddNamespace("busy");
        string tap = net.TapName("b");
        using var port = NetworkNamespace.Run(ns, () => TapPort.Create(tap));

        // A TAP without IFF_MULTI_QUEUE takes one descriptor: QEMU cannot attach beside the NVE.
        var ex = await Assert.ThrowsAsync<IOException>(() => QemuVm.StartAsync(new QemuVmOptions
        {
            Name = net.Prefix + "-b", Image = image, TapName = tap, Netns = ns, Accelerator = QemuAccelerator.Tcg,
        }));

        Assert.Contains("busy", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<bool> ReceiveAsync(TapPort port, Func<EthernetFrame, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await Task.Factory.StartNew(() =>
        {
            var batch = new FrameBatch(16);
            try
            {
                while (true)
                {
                    int n = port.Receive(batch, timeout.Token);
                    for (int i = 0; i < n; i++)
                    {
                        if (EthernetFrame.TryParse(batch.Frame(i), out var eth, out _) && match(eth))
                        {
                            return true;
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }, TaskCreationOptions.LongRunning);
    }
}
