using Nvo3.Qemu.Image;

namespace Nvo3.Qemu.Tests;

/// <summary>The guest image from this machine's packages: built once, then served from the cache.</summary>
public class GuestImageBuilderTests
{
    [Fact]
    public async Task BuildAsync_TwiceIntoOneCache_BuildsThenHits()
    {
        Machine.RequireGuestPackages();
        using var cache = new TemporaryDirectory();
        var options = new GuestImageOptions { CacheDirectory = cache.Path };

        var first = await GuestImageBuilder.BuildAsync(options);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var second = await GuestImageBuilder.BuildAsync(options);
        var cachedIn = System.Diagnostics.Stopwatch.GetElapsedTime(started);

        Assert.True(first.Built);
        Assert.False(second.Built);
        Assert.Equal(first.Directory, second.Directory);
        Assert.Equal(first.Hash, second.Hash);
        Assert.True(first.KernelBytes > 1_000_000, "a kernel of a few MiB");
        Assert.True(first.InitramfsBytes > 100_000, "busybox and the modules, compressed");
        Assert.True(cachedIn < TimeSpan.FromSeconds(5), $"a cache hit only hashes the inputs; took {cachedIn}");
        Assert.Single(Directory.GetDirectories(cache.Path)); // no temporary build directory left
    }

    [Fact]
    public async Task BuildAsync_ConcurrentBuilders_AllGetOneWholeImage()
    {
        Machine.RequireGuestPackages();
        using var cache = new TemporaryDirectory();
        var options = new GuestImageOptions { CacheDirectory = cache.Path };

        var images = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => GuestImageBuilder.BuildAsync(options))));

        Assert.Single(images.Select(i => i.Directory).Distinct());
        Assert.Single(Directory.GetDirectories(cache.Path));
        Assert.True(File.Exists(images[0].InitramfsPath));
    }

    [Fact]
    public async Task Initramfs_Unpacked_HoldsInitBusyboxModulesAndEcho()
    {
        Machine.RequireGuestPackages();
        using var cache = new TemporaryDirectory();
        var image = await GuestImageBuilder.BuildAsync(new GuestImageOptions { CacheDirectory = cache.Path });

        await using var file = File.OpenRead(image.InitramfsPath);
        await using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
        var entries = CpioReader.ReadAll(gzip).ToDictionary(e => e.Name);

        Assert.Equal(GuestInit.Script, System.Text.Encoding.UTF8.GetString(entries["init"].Data));
        Assert.Equal(CpioWriter.RegularFile | 0x1ED, entries["init"].Mode);
        Assert.Equal("/bin/busybox", System.Text.Encoding.UTF8.GetString(entries["bin/sh"].Data));
        Assert.Equal(CpioWriter.CharacterDevice, entries["dev/console"].Mode & 0xF000);
        Assert.Equal(UdpEchoProgram.Build(), entries[GuestInit.UdpEchoPath].Data);
        string[] modules = System.Text.Encoding.UTF8.GetString(entries[GuestInit.ModuleListPath].Data).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["virtio_ring.ko", "virtio.ko"], modules[..2]);
        Assert.Contains("virtio_net.ko", modules);
        foreach (string module in modules)
        {
            // Stored uncompressed: an ELF object busybox insmod can load.
            Assert.Equal("\x7f" + "ELF", System.Text.Encoding.ASCII.GetString(entries[$"{GuestInit.ModuleDirectory}/{module}"].Data, 0, 4));
        }
    }

    [Fact]
    public async Task BuildAsync_CompressedModules_StoredDecompressed()
    {
        Machine.RequireGuestPackages();
        Assert.SkipUnless(File.Exists("/usr/bin/xz") && File.Exists("/usr/bin/zstd"), "needs xz and zstd (xz-utils, zstd) to make compressed modules.");
        using var root = new TemporaryDirectory();
        using var cache = new TemporaryDirectory();
        const string version = "6.1.0-99-cloud-amd64";
        Directory.CreateDirectory(Path.Combine(root.Path, "boot"));
        File.WriteAllText(Path.Combine(root.Path, "boot", "vmlinuz-" + version), "not really a kernel");
        string drivers = Path.Combine(root.Path, "lib", "modules", version, "kernel", "drivers");
        Directory.CreateDirectory(drivers);
        for (int i = 0; i < GuestKernel.VirtioModules.Count; i++)
        {
            string plain = Path.Combine(drivers, GuestKernel.VirtioModules[i] + ".ko");
            File.WriteAllText(plain, "\u007fELF " + GuestKernel.VirtioModules[i]);
            // Half xz (Debian's choice since 6.x kernels may ship .ko.xz), half zstd; both remove the plain file.
            string tool = i % 2 == 0 ? "xz" : "zstd";
            await HostProgram.RunCheckedAsync(tool, tool == "xz" ? ["-q", plain] : ["-q", "--rm", plain], tool, TimeSpan.FromSeconds(30));
            Assert.False(File.Exists(plain));
        }
        Directory.CreateDirectory(Path.Combine(root.Path, "bin"));
        File.Copy("/bin/busybox", Path.Combine(root.Path, "bin", "busybox"));

        var image = await GuestImageBuilder.BuildAsync(new GuestImageOptions { Root = root.Path, CacheDirectory = cache.Path });

        await using var file = File.OpenRead(image.InitramfsPath);
        await using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
        var entries = CpioReader.ReadAll(gzip).ToDictionary(e => e.Name);
        foreach (string module in GuestKernel.VirtioModules)
        {
            Assert.Equal("\u007fELF " + module, System.Text.Encoding.UTF8.GetString(entries[$"{GuestInit.ModuleDirectory}/{module}.ko"].Data));
        }
        Assert.Equal(version, image.KernelVersion);
    }
}
