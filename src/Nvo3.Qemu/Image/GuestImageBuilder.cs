using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nvo3.Qemu.Image;

/// <summary>
/// Builds the guest image (kernel + initramfs) from the machine's Debian packages into a cache
/// directory named by the SHA-256 of every input: the kernel file, the module files, busybox, the
/// applet list, the init script and the UDP echo program. A second build with the same inputs
/// only hashes them and returns the cached image. A build writes into a private temporary
/// directory and renames it into place, so concurrent builders never see half an image: the first
/// rename wins, the others discard theirs.
/// </summary>
public static class GuestImageBuilder
{
    /// <summary>Bumped when the layout of the image changes without any input changing.</summary>
    private const string FormatVersion = "nvo3-guest-image-1";
    private const string ManifestName = "image.json";
    private const string KernelName = "vmlinuz";
    private const string InitramfsName = "initramfs.cpio.gz";
    private static readonly TimeSpan s_toolTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Returns the cached image for these inputs, building it first when it is not there.</summary>
    public static async Task<GuestImage> BuildAsync(GuestImageOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new GuestImageOptions();
        var inputs = await Inputs.ReadAsync(options, cancellationToken).ConfigureAwait(false);
        string cache = options.ResolvedCacheDirectory;
        string final = Path.Combine(cache, $"{inputs.Kernel.Version}-{inputs.Hash[..16]}");
        if (File.Exists(Path.Combine(final, ManifestName)))
        {
            return Describe(final, inputs, built: false);
        }
        System.IO.Directory.CreateDirectory(cache);
        string temporary = Path.Combine(cache, $".build-{Environment.ProcessId}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(temporary);
        try
        {
            File.Copy(inputs.Kernel.ImagePath, Path.Combine(temporary, KernelName));
            await using (var file = new FileStream(Path.Combine(temporary, InitramfsName), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: false))
            await using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
            {
                WriteInitramfs(gzip, inputs);
            }
            // The manifest is written last: its presence is what says an image is whole.
            await File.WriteAllTextAsync(Path.Combine(temporary, ManifestName), Manifest(inputs).ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken).ConfigureAwait(false);
            try
            {
                System.IO.Directory.Move(temporary, final);
            }
            catch (IOException) when (File.Exists(Path.Combine(final, ManifestName)))
            {
                // Another builder renamed the same image into place first: use theirs.
                System.IO.Directory.Delete(temporary, recursive: true);
                return Describe(final, inputs, built: false);
            }
            return Describe(final, inputs, built: true);
        }
        catch
        {
            if (System.IO.Directory.Exists(temporary))
            {
                System.IO.Directory.Delete(temporary, recursive: true);
            }
            throw;
        }
    }

    private static GuestImage Describe(string directory, Inputs inputs, bool built) => new(
        directory, Path.Combine(directory, KernelName), Path.Combine(directory, InitramfsName),
        inputs.Kernel.Version, inputs.BusyboxVersion, inputs.Hash, built);

    private static void WriteInitramfs(Stream output, Inputs inputs)
    {
        var cpio = new CpioWriter(output);
        foreach (string directory in (string[])["bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys", "etc", "etc/nvo3", "lib", "lib/modules", GuestInit.ModuleDirectory, "tmp", "root", "run"])
        {
            cpio.AddDirectory(directory);
        }
        // The kernel opens /dev/console for init's output before init can mount devtmpfs.
        cpio.AddCharacterDevice("dev/console", 5, 1);
        cpio.AddCharacterDevice("dev/null", 1, 3, permissions: 0x1B6);
        cpio.AddFile("bin/busybox", inputs.Busybox, permissions: 0x1ED);
        foreach (string applet in inputs.Applets)
        {
            if (applet != "bin/busybox")
            {
                cpio.AddSymlink(applet, "/bin/busybox");
            }
        }
        cpio.AddFile("init", Encoding.UTF8.GetBytes(GuestInit.Script), permissions: 0x1ED);
        cpio.AddFile(GuestInit.UdpEchoPath, UdpEchoProgram.Build(), permissions: 0x1ED);
        foreach (var (name, bytes) in inputs.Modules)
        {
            cpio.AddFile($"{GuestInit.ModuleDirectory}/{name}.ko", bytes);
        }
        cpio.AddFile(GuestInit.ModuleListPath, Encoding.UTF8.GetBytes(string.Concat(inputs.Modules.Select(m => m.Name + ".ko\n"))));
        cpio.Finish();
    }

    private static JsonObject Manifest(Inputs inputs) => new()
    {
        ["format"] = FormatVersion,
        ["hash"] = inputs.Hash,
        ["kernelVersion"] = inputs.Kernel.Version,
        ["kernelSource"] = inputs.Kernel.ImagePath,
        ["busyboxVersion"] = inputs.BusyboxVersion,
        ["modules"] = new JsonArray(inputs.Modules.Select(m => (JsonNode)(m.Name + ".ko")).ToArray()),
        ["init"] = "/init",
        ["readyMarker"] = GuestInit.ReadyMarker,
    };

    /// <summary>Everything an image is made of, read once, and its hash.</summary>
    private sealed record Inputs(GuestKernel Kernel, byte[] Busybox, string BusyboxVersion, IReadOnlyList<string> Applets, IReadOnlyList<(string Name, byte[] Bytes)> Modules, string Hash)
    {
        public static async Task<Inputs> ReadAsync(GuestImageOptions options, CancellationToken cancellationToken)
        {
            var kernel = GuestKernel.Find(options.Root, options.KernelVersion);
            var modules = new List<(string, byte[])>();
            foreach (string path in kernel.FindModules())
            {
                modules.Add((ModuleName(path), await ReadModuleAsync(path, cancellationToken).ConfigureAwait(false)));
            }
            string busyboxPath = Path.Combine(options.Root, options.Busybox);
            if (!File.Exists(busyboxPath))
            {
                throw new FileNotFoundException($"No static busybox at {busyboxPath}: install busybox-static (apt-get install busybox-static).");
            }
            byte[] busybox = await File.ReadAllBytesAsync(busyboxPath, cancellationToken).ConfigureAwait(false);
            if (!ElfHeader.IsStatic(busybox))
            {
                throw new InvalidDataException($"{busyboxPath} is not a static x86-64 executable (the initramfs has no libc): install busybox-static rather than busybox.");
            }
            var list = await HostProgram.RunCheckedAsync(busyboxPath, ["--list-full"], "busybox-static", s_toolTimeout, cancellationToken).ConfigureAwait(false);
            var applets = list.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var about = await HostProgram.RunAsync(busyboxPath, [], "busybox-static", s_toolTimeout, cancellationToken).ConfigureAwait(false);
            string version = about.Text.Split('\n')[0].Replace(" multi-call binary.", "", StringComparison.Ordinal).Trim();

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            void Add(ReadOnlySpan<byte> bytes)
            {
                Span<byte> length = stackalloc byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, bytes.Length);
                hash.AppendData(length);
                hash.AppendData(bytes);
            }
            Add(Encoding.UTF8.GetBytes(FormatVersion));
            Add(Encoding.UTF8.GetBytes(kernel.Version));
            Add(await File.ReadAllBytesAsync(kernel.ImagePath, cancellationToken).ConfigureAwait(false));
            foreach (var (name, bytes) in modules)
            {
                Add(Encoding.UTF8.GetBytes(name));
                Add(bytes);
            }
            Add(busybox);
            Add(list.Output);
            Add(Encoding.UTF8.GetBytes(GuestInit.Script));
            Add(UdpEchoProgram.Build());
            return new Inputs(kernel, busybox, version, applets, modules, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }

        private static string ModuleName(string path)
        {
            string name = Path.GetFileName(path);
            return name[..name.IndexOf(".ko", StringComparison.Ordinal)];
        }

        // Modules may be shipped compressed; the guest's busybox insmod takes only plain ELF, so
        // they are stored uncompressed (the initramfs is gzipped as a whole anyway).
        private static async Task<byte[]> ReadModuleAsync(string path, CancellationToken cancellationToken)
        {
            if (path.EndsWith(".ko", StringComparison.Ordinal))
            {
                return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            }
            if (path.EndsWith(".gz", StringComparison.Ordinal))
            {
                await using var file = File.OpenRead(path);
                await using var gzip = new GZipStream(file, CompressionMode.Decompress);
                using var plain = new MemoryStream();
                await gzip.CopyToAsync(plain, cancellationToken).ConfigureAwait(false);
                return plain.ToArray();
            }
            var (tool, package) = path.EndsWith(".xz", StringComparison.Ordinal) ? ("xz", "xz-utils") : ("zstd", "zstd");
            var result = await HostProgram.RunCheckedAsync(tool, ["-dc", path], package, s_toolTimeout, cancellationToken).ConfigureAwait(false);
            return result.Output;
        }
    }
}
