namespace Nvo3.Qemu.Image;

/// <summary>
/// A kernel installed on this machine that can boot a guest: <c>/boot/vmlinuz-VERSION</c> and its
/// modules under <c>/lib/modules/VERSION</c>. Debian's <c>linux-image-cloud-amd64</c> builds
/// virtio as modules, so the image carries the ones a virtio NIC and disk need.
/// </summary>
/// <param name="Version">The kernel release, e.g. 6.1.0-57-cloud-amd64.</param>
/// <param name="ImagePath">The vmlinuz file.</param>
/// <param name="ModulesDirectory">/lib/modules/VERSION.</param>
public sealed record GuestKernel(string Version, string ImagePath, string ModulesDirectory)
{
    /// <summary>The modules a virtio NIC and disk need, in the order they must load (each after what it uses).</summary>
    public static IReadOnlyList<string> VirtioModules { get; } =
    [
        "virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio_pci",
        "failover", "net_failover", "virtio_net", "virtio_blk",
    ];

    /// <summary>The module file suffixes Debian and others ship, uncompressed first.</summary>
    private static readonly string[] s_suffixes = [".ko", ".ko.xz", ".ko.zst", ".ko.gz"];

    /// <summary>
    /// Finds the kernel to use under <paramref name="root"/> (normally "/"): <paramref name="version"/>
    /// when given, else the newest <c>*-cloud-amd64</c> kernel that has its modules, else the newest
    /// of any flavour. Throws <see cref="FileNotFoundException"/> saying what to install.
    /// </summary>
    public static GuestKernel Find(string root, string? version = null)
    {
        string boot = Path.Combine(root, "boot");
        string modules = Path.Combine(root, "lib", "modules");
        var candidates = System.IO.Directory.Exists(boot)
            ? System.IO.Directory.EnumerateFiles(boot, "vmlinuz-*")
                .Select(path => Path.GetFileName(path)["vmlinuz-".Length..])
                .Where(v => System.IO.Directory.Exists(Path.Combine(modules, v)))
                .ToList()
            : [];
        string? chosen = version is not null
            ? candidates.FirstOrDefault(v => v == version)
            : candidates.Where(v => v.EndsWith("-cloud-amd64", StringComparison.Ordinal)).OrderBy(v => v, KernelVersionComparer.Instance).LastOrDefault()
              ?? candidates.OrderBy(v => v, KernelVersionComparer.Instance).LastOrDefault();
        if (chosen is null)
        {
            throw new FileNotFoundException(version is null
                ? $"No guest kernel under {boot} with modules under {modules}: install linux-image-cloud-amd64 (apt-get install linux-image-cloud-amd64)."
                : $"Kernel {version} is not installed under {boot} with its modules under {modules}.");
        }
        return new GuestKernel(chosen, Path.Combine(boot, "vmlinuz-" + chosen), Path.Combine(modules, chosen));
    }

    /// <summary>
    /// The files of <see cref="VirtioModules"/> in load order. A module built into the kernel
    /// (listed in modules.builtin) is left out; one that is neither found nor built in throws.
    /// </summary>
    public IReadOnlyList<string> FindModules()
    {
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in System.IO.Directory.EnumerateFiles(Path.Combine(ModulesDirectory, "kernel"), "*.ko*", SearchOption.AllDirectories))
        {
            string fileName = Path.GetFileName(file);
            foreach (string suffix in s_suffixes)
            {
                if (fileName.EndsWith(suffix, StringComparison.Ordinal))
                {
                    byName.TryAdd(fileName[..^suffix.Length], file);
                    break;
                }
            }
        }
        string builtinList = Path.Combine(ModulesDirectory, "modules.builtin");
        var builtin = File.Exists(builtinList)
            ? File.ReadLines(builtinList).Select(line => Path.GetFileName(line.Trim())).Select(name => name.EndsWith(".ko", StringComparison.Ordinal) ? name[..^3] : name).ToHashSet(StringComparer.Ordinal)
            : [];
        var found = new List<string>();
        foreach (string module in VirtioModules)
        {
            if (byName.TryGetValue(module, out string? path))
            {
                found.Add(path);
            }
            else if (!builtin.Contains(module))
            {
                throw new FileNotFoundException($"Kernel {Version} has no module {module} under {ModulesDirectory} and does not build it in.");
            }
        }
        return found;
    }
}
