namespace Nvo3.Qemu.Image;

/// <summary>Where a guest image is built from and where it is kept.</summary>
public sealed record GuestImageOptions
{
    /// <summary>
    /// The cache directory (default <see cref="DefaultCacheDirectory"/>: /var/cache/nvo3/images
    /// as root, else $XDG_CACHE_HOME/nvo3/images or ~/.cache/nvo3/images).
    /// </summary>
    public string? CacheDirectory { get; init; }

    /// <summary>The file system root the kernel, modules and busybox are found under ("/"; tests point it elsewhere).</summary>
    public string Root { get; init; } = "/";

    /// <summary>The kernel release to use; null picks the newest cloud kernel (<see cref="GuestKernel.Find"/>).</summary>
    public string? KernelVersion { get; init; }

    /// <summary>The static busybox, relative to <see cref="Root"/> (Debian's busybox-static puts it at bin/busybox).</summary>
    public string Busybox { get; init; } = "bin/busybox";

    /// <summary>The cache directory in use: <see cref="CacheDirectory"/> or the default.</summary>
    public string ResolvedCacheDirectory => CacheDirectory ?? DefaultCacheDirectory();

    /// <summary>The default cache directory for this user.</summary>
    public static string DefaultCacheDirectory()
    {
        if (Environment.IsPrivilegedProcess)
        {
            return "/var/cache/nvo3/images";
        }
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string cache = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(cache, "nvo3", "images");
    }
}
