using Nvo3.Packets;
using Nvo3.Qemu.Image;
using Nvo3.Qemu.Vm;

namespace Nvo3.Qemu.Tests;

/// <summary>
/// A guest running at a source QEMU and an incoming destination QEMU with the same device
/// model, both in our namespace (so the migration stream runs over loopback), each NIC's TAP
/// moved into its own test namespace ("server") with 10.77.0.1/24, so the guest (10.77.0.5)
/// answers through the source's TAP before the move and through the destination's after.
/// Disposing ends both QEMUs, then the namespaces.
/// </summary>
internal sealed class GuestPair : IAsyncDisposable
{
    public const string GuestIp = "10.77.0.5";
    private readonly TestNetwork _net = new();
    private readonly TemporaryDirectory _files = new();

    private GuestPair()
    {
        SourceNetns = _net.AddNamespace("src");
        DestinationNetns = _net.AddNamespace("dst");
    }

    public string SourceNetns { get; }

    public string DestinationNetns { get; }

    public QemuVm Source { get; private set; } = null!;

    public QemuVm Destination { get; private set; } = null!;

    /// <summary>A directory for disk images, removed with the pair.</summary>
    public string Files => _files.Path;

    /// <summary>
    /// Boots the source guest (waits for its ready line and a ping) and starts the destination;
    /// <paramref name="disk"/> makes each one's raw disk image at the path it is given.
    /// </summary>
    public static async Task<GuestPair> StartAsync(int memoryMiB = 256, Func<string, Task<string>>? disk = null, int? diskRecords = null)
    {
        var pair = new GuestPair();
        try
        {
            var image = await TestImage.GetAsync();
            var common = new QemuVmOptions
            {
                Name = pair._net.Prefix + "-src",
                Image = image,
                MemoryMiB = memoryMiB,
                Boot = new GuestBootArguments { Ipv4 = GuestIp + "/24", DiskRecords = diskRecords },
                Mac = MacAddress.Parse("02:4e:33:00:00:05"),
                Accelerator = QemuAccelerator.Tcg,
                DiskFormat = "raw",
            };
            pair.Source = await QemuVm.StartAsync(common with
            {
                TapName = pair._net.TapName("s"),
                DiskPath = disk is null ? null : await disk(Path.Combine(pair.Files, "source.img")),
            });
            pair._net.AdoptTap(pair._net.TapName("s"), pair.SourceNetns, "10.77.0.1/24");
            using (var boot = new CancellationTokenSource(QemuVmTests.BootTimeout))
            {
                await pair.Source.WaitForSerialAsync(GuestInit.ReadyMarker, boot.Token);
            }
            Assert.True(TestNetwork.PingUntilAnswered(pair.SourceNetns, GuestIp, TimeSpan.FromSeconds(20)), "the guest answers at the source");
            pair.Destination = await QemuVm.StartAsync(common with
            {
                Name = pair._net.Prefix + "-dst",
                TapName = pair._net.TapName("d"),
                DiskPath = disk is null ? null : await disk(Path.Combine(pair.Files, "destination.img")),
                Incoming = true,
            });
            pair._net.AdoptTap(pair._net.TapName("d"), pair.DestinationNetns, "10.77.0.1/24");
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Source is not null)
        {
            await Source.DisposeAsync();
        }
        if (Destination is not null)
        {
            await Destination.DisposeAsync();
        }
        _net.Dispose();
        _files.Dispose();
    }
}
