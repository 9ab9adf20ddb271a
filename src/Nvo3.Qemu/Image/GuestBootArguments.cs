using System.Globalization;
using System.Text;

namespace Nvo3.Qemu.Image;

/// <summary>
/// What the guest's init reads from the kernel command line: its addresses and gateways. The MAC
/// is not among them: QEMU gives the NIC its MAC (<c>-device virtio-net-pci,mac=…</c>).
/// </summary>
public sealed record GuestBootArguments
{
    /// <summary>IPv4 address with prefix length, e.g. 10.0.0.5/24 (<c>nvo3.ip</c>).</summary>
    public string? Ipv4 { get; init; }

    /// <summary>IPv6 address with prefix length, e.g. fd00:100::5/64 (<c>nvo3.ip6</c>).</summary>
    public string? Ipv6 { get; init; }

    /// <summary>IPv4 default gateway (<c>nvo3.gw</c>).</summary>
    public string? Gateway4 { get; init; }

    /// <summary>IPv6 default gateway (<c>nvo3.gw6</c>).</summary>
    public string? Gateway6 { get; init; }

    /// <summary>
    /// When set and the guest has a disk, it writes this many 4 KiB records (<see cref="GuestInit.DiskRecord"/>)
    /// to /dev/vda at boot, each with fsync, then prints <see cref="GuestInit.DiskDoneMarker"/> (<c>nvo3.disk-records</c>).
    /// </summary>
    public int? DiskRecords { get; init; }

    /// <summary>The kernel command line: serial console, quiet, panic reboots (QEMU runs with -no-reboot, so it exits), then ours.</summary>
    public string ToKernelCommandLine()
    {
        var line = new StringBuilder("console=ttyS0 quiet panic=-1");
        Add(line, "nvo3.ip", Ipv4);
        Add(line, "nvo3.ip6", Ipv6);
        Add(line, "nvo3.gw", Gateway4);
        Add(line, "nvo3.gw6", Gateway6);
        Add(line, "nvo3.disk-records", DiskRecords?.ToString(CultureInfo.InvariantCulture));
        return line.ToString();
    }

    private static void Add(StringBuilder line, string key, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }
        if (value.Any(c => char.IsWhiteSpace(c) || c is '"' or '\''))
        {
            throw new ArgumentException($"{key} '{value}' must not contain spaces or quotes.", nameof(value));
        }
        line.Append(' ').Append(key).Append('=').Append(value);
    }
}
