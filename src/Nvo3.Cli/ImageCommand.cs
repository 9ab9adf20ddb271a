using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Nvo3.Qemu.Image;

namespace Nvo3.Cli;

/// <summary><c>nvo3 lab image build</c>: the QEMU guest image (kernel + initramfs) from this machine's Debian packages.</summary>
internal static class ImageCommand
{
    public static Command Create() => new("image", "The QEMU guest image: a kernel and an initramfs built from linux-image-cloud-amd64 and busybox-static.") { Build() };

    private static Command Build()
    {
        var cacheDir = new Option<string?>("--cache-dir")
        {
            Description = $"Where images are kept (default {GuestImageOptions.DefaultCacheDirectory()}); an image is rebuilt only when its inputs change.",
        };
        var kernel = new Option<string?>("--kernel") { Description = "The kernel release to use (default: the newest *-cloud-amd64 under /boot)." };
        var json = Cli.JsonOption();
        var build = new Command("build", "Build the guest image, or find it in the cache: busybox, the virtio modules, an init that configures eth0 from the kernel command line (nvo3.ip=, nvo3.ip6=, nvo3.gw=, nvo3.gw6=), answers ping and echoes UDP and TCP on port 7, and prints NVO3-GUEST-READY on the serial console.")
        {
            cacheDir, kernel, json,
        };
        build.Handle(async (p, ct) =>
        {
            string? directory = p.GetValue(cacheDir);
            if (directory is not null && directory.Trim().Length == 0)
            {
                throw new ArgumentException("--cache-dir must name a directory.");
            }
            var image = await GuestImageBuilder.BuildAsync(new GuestImageOptions { CacheDirectory = directory, KernelVersion = p.GetValue(kernel) }, ct).ConfigureAwait(false);
            if (p.GetValue(json))
            {
                Console.WriteLine(Json.Print(new JsonObject
                {
                    ["directory"] = image.Directory,
                    ["built"] = image.Built,
                    ["hash"] = image.Hash,
                    ["kernel"] = new JsonObject { ["path"] = image.KernelPath, ["bytes"] = image.KernelBytes, ["version"] = image.KernelVersion },
                    ["initramfs"] = new JsonObject { ["path"] = image.InitramfsPath, ["bytes"] = image.InitramfsBytes },
                    ["busybox"] = image.BusyboxVersion,
                    ["readyMarker"] = GuestInit.ReadyMarker,
                }));
                return Cli.Ok;
            }
            Console.WriteLine($"guest image {(image.Built ? "built" : "found in the cache")}: {image.Directory}");
            var table = new TextTable("FILE", "PATH", "SIZE", "FROM");
            table.Add("kernel", image.KernelPath, Size(image.KernelBytes), image.KernelVersion);
            table.Add("initramfs", image.InitramfsPath, Size(image.InitramfsBytes), image.BusyboxVersion);
            Console.Write(table);
            return Cli.Ok;
        });
        return build;
    }

    private static string Size(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MiB");
}
