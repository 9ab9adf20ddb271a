using System.Text;
using Nvo3.Qemu.Image;
using Nvo3.Qemu.Migration;
using Nvo3.Qemu.Qmp;

namespace Nvo3.Qemu.Tests;

/// <summary>A hot move with a disk: mirrored to the destination's NBD export while the guest writes, ended at pre-switchover, bytes compared.</summary>
public class DiskMirrorTests
{
    private const int DiskBytes = 16 << 20;
    private const int Records = 120;

    [Fact]
    public async Task HotMove_GuestWritingDuringTheMirror_DestinationDiskEqualsTheSourceByteForByte()
    {
        Machine.RequireRootQemu();
        byte[] initial = new byte[DiskBytes];
        Random.Shared.NextBytes(initial);
        await using var pair = await GuestPair.StartAsync(diskRecords: Records, disk: async path =>
        {
            if (path.EndsWith("source.img", StringComparison.Ordinal))
            {
                await File.WriteAllBytesAsync(path, initial);
            }
            else
            {
                await using var empty = File.Create(path);
                empty.SetLength(DiskBytes);
            }
            return path;
        });
        var migration = new QemuMigration(pair.Source, pair.Destination, new QemuMigrationOptions { MirrorDisk = true });
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        await migration.PrepareDestinationAsync(bound.Token);
        await migration.MirrorDiskAsync(bound.Token);
        // The guest goes on writing its records after the mirror is in sync: the mirror must follow.
        await pair.Source.WaitForSerialAsync(GuestInit.DiskDoneMarker, bound.Token);
        await migration.StartAsync(bound.Token);
        Assert.Equal(MigrationStatus.PreSwitchover, (await migration.WaitForSwitchoverAsync(cancellationToken: bound.Token)).Status);
        await migration.FinishDiskMirrorAsync(bound.Token);
        await migration.ContinueAsync(bound.Token);
        var result = await migration.WaitForCompletionAsync(cancellationToken: bound.Token);
        TestContext.Current.TestOutputHelper?.WriteLine($"disk: {result.DiskBytes} bytes in sync after {result.DiskMirrorMs:0} ms; memory {result.TotalTimeMs} ms, downtime {result.DowntimeMs} ms, switchover {result.SwitchoverMs:0.0} ms");

        Assert.True((await pair.Destination.Qmp.QueryStatusAsync()).Running);
        Assert.True(result.DiskBytes >= DiskBytes, "the mirror copied the whole disk, and again what the guest rewrote");
        Assert.True(TestNetwork.PingUntilAnswered(pair.DestinationNetns, GuestPair.GuestIp, TimeSpan.FromSeconds(10)));
        string source = pair.Source.Options.DiskPath!, destination = pair.Destination.Options.DiskPath!;
        await pair.Source.DisposeAsync();
        await pair.Destination.DisposeAsync();
        byte[] copied = await File.ReadAllBytesAsync(destination);
        byte[] original = await File.ReadAllBytesAsync(source);
        Assert.True(copied.AsSpan().SequenceEqual(original), "the destination's disk equals the source's");
        for (int i = 0; i < Records; i++)
        {
            Assert.Equal(GuestInit.DiskRecord(i), Encoding.ASCII.GetString(copied, i * 4096, GuestInit.DiskRecord(i).Length));
        }
        Assert.True(copied.AsSpan(Records * 4096).SequenceEqual(initial.AsSpan(Records * 4096)), "the bytes the guest did not write are the original ones");
    }
}
