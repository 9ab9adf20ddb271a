using System.Globalization;

namespace Nvo3.Qemu.Vm;

/// <summary>Disk images for guests, made with <c>qemu-img</c> (from qemu-utils, which qemu-system-x86 pulls in).</summary>
public static class QemuDisk
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    /// <summary>Creates an empty <paramref name="format"/> (qcow2 or raw) image of <paramref name="sizeMiB"/> MiB at <paramref name="path"/>.</summary>
    public static async Task CreateAsync(string path, int sizeMiB, string format = "qcow2", CancellationToken cancellationToken = default)
    {
        if (format is not ("qcow2" or "raw"))
        {
            throw new ArgumentException($"Disk format '{format}' is not qcow2 or raw.", nameof(format));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(sizeMiB, 1);
        await HostProgram.RunCheckedAsync("qemu-img", ["create", "-q", "-f", format, path, sizeMiB.ToString(CultureInfo.InvariantCulture) + "M"], "qemu-utils", s_timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// True when the guest-visible contents of two images are the same (<c>qemu-img compare</c>,
    /// which reads through the formats). Both must be closed by QEMU first.
    /// </summary>
    public static async Task<bool> SameContentsAsync(string first, string second, CancellationToken cancellationToken = default)
    {
        var result = await HostProgram.RunAsync("qemu-img", ["compare", "-q", first, second], "qemu-utils", s_timeout, cancellationToken).ConfigureAwait(false);
        return result.ExitCode switch
        {
            0 => true,
            1 => false,
            _ => throw new IOException($"qemu-img compare {first} {second} failed ({result.ExitCode}): {result.Error.Trim()}"),
        };
    }
}
