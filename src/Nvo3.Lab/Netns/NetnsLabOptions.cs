namespace Nvo3.Lab.Netns;

/// <summary>How <c>nvo3 lab netns up</c> builds a lab, with the defaults it starts from.</summary>
public sealed record NetnsLabOptions
{
    /// <summary>The prefix of every namespace and root interface the lab makes (at most 11 characters). Default n3.</summary>
    public string Prefix { get; init; } = "n3";

    /// <summary>Servers, each a namespace with an NVE process. Default 2.</summary>
    public int Hosts { get; init; } = 2;

    /// <summary>VMs, each a namespace whose interface is a TAP of an NVE, placed round-robin on the servers. Default 2.</summary>
    public int Vms { get; init; } = 2;

    /// <summary>Add a server whose VTEP is the kernel's vxlan device, with one VM behind a bridge. Default off.</summary>
    public bool WithKernelVtep { get; init; }

    /// <summary>How the NVEs learn remote locations: <c>pull</c> or <c>push</c>. Default pull.</summary>
    public string UpdateMode { get; init; } = "pull";

    /// <summary>
    /// The network's layer: <c>l2</c> (VXLAN, Ethernet between VMs) or <c>l3</c> (VXLAN-GPE, every
    /// NVE the anycast gateway 10.100.0.254 / fd00:100::fe, no broadcast domain). Default l2.
    /// </summary>
    public string Layer { get; init; } = "l2";

    /// <summary>How long NVEs may cache a look-up (pull). Default 1 s.</summary>
    public TimeSpan CacheLifetime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where the state file, the NVA's SQLite store and the process logs go. Default /run/nvo3-lab/PREFIX.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>How to run nvo3 for the lab's processes (default: this very program).</summary>
    public IReadOnlyList<string>? Nvo3Command { get; init; }

    /// <summary>The state directory for <paramref name="prefix"/> when none is given.</summary>
    public static string DefaultStateDirectory(string prefix) => Path.Combine("/run/nvo3-lab", CheckPrefix(prefix));

    /// <summary>
    /// <paramref name="prefix"/> when it can name the lab's interfaces and state directory (1–11
    /// letters, digits or dashes, starting with a letter or digit: no path, nothing an <c>ip</c>
    /// command reads as an option); else an <see cref="ArgumentException"/> saying why.
    /// </summary>
    public static string CheckPrefix(string prefix)
    {
        if (PrefixError(prefix) is { } error)
        {
            throw new ArgumentException(error);
        }
        return prefix;
    }

    /// <summary>Why <paramref name="prefix"/> cannot be a lab's prefix, or null when it can.</summary>
    public static string? PrefixError(string prefix) =>
        prefix.Length is 0 or > 11 || !char.IsAsciiLetterOrDigit(prefix[0]) || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            ? $"Prefix '{prefix}' must be 1–11 letters, digits or dashes, starting with a letter or digit (interface names are at most 15 bytes)."
            : null;

    /// <summary>The state directory in force.</summary>
    public string ResolvedStateDirectory => StateDirectory ?? DefaultStateDirectory(Prefix);
}
