using System.Globalization;
using System.Text;

namespace Nvo3.Qemu.Image;

/// <summary>
/// Writes a cpio archive in the "newc" format (magic 070701), the one the Linux kernel unpacks
/// as an initramfs: a 110-byte ASCII header of thirteen 8-digit hex fields, the NUL-terminated
/// name, then the data, each padded to 4 bytes; a "TRAILER!!!" entry ends it. Owner, group and
/// time are zero so the same inputs give the same bytes. Does not own <c>output</c>.
/// </summary>
public sealed class CpioWriter
{
    /// <summary>The newc magic.</summary>
    public const string Magic = "070701";
    /// <summary>The name of the entry that ends an archive.</summary>
    public const string TrailerName = "TRAILER!!!";
    /// <summary>Bytes in a newc header.</summary>
    public const int HeaderLength = 110;

    /// <summary>S_IFDIR.</summary>
    public const int Directory = 0x4000;
    /// <summary>S_IFREG.</summary>
    public const int RegularFile = 0x8000;
    /// <summary>S_IFLNK.</summary>
    public const int SymbolicLink = 0xA000;
    /// <summary>S_IFCHR.</summary>
    public const int CharacterDevice = 0x2000;

    private readonly Stream _output;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _inode = 1;
    private bool _finished;

    /// <summary>Writes to <paramref name="output"/> (which the caller owns and closes).</summary>
    public CpioWriter(Stream output) => _output = output;

    /// <summary>Adds directory <paramref name="path"/> with permissions <paramref name="permissions"/> (e.g. 0755 octal = 0x1ED).</summary>
    public void AddDirectory(string path, int permissions = 0x1ED) => Write(path, Directory | permissions, [], 0, 0, links: 2);

    /// <summary>Adds regular file <paramref name="path"/> holding <paramref name="data"/>.</summary>
    public void AddFile(string path, ReadOnlySpan<byte> data, int permissions = 0x1A4) => Write(path, RegularFile | permissions, data, 0, 0);

    /// <summary>Adds symbolic link <paramref name="path"/> pointing at <paramref name="target"/>.</summary>
    public void AddSymlink(string path, string target) => Write(path, SymbolicLink | 0x1FF, Encoding.UTF8.GetBytes(target), 0, 0);

    /// <summary>Adds character device <paramref name="path"/> (major, minor), e.g. /dev/console 5:1.</summary>
    public void AddCharacterDevice(string path, int major, int minor, int permissions = 0x180) =>
        Write(path, CharacterDevice | permissions, [], major, minor);

    /// <summary>Writes the trailer; nothing may be added afterwards.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }
        WriteEntry(TrailerName, 0, [], 0, 0, inode: 0, links: 1);
        _finished = true;
    }

    private void Write(string path, int mode, ReadOnlySpan<byte> data, int major, int minor, int links = 1)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        // The kernel wants names relative to the root ("bin/sh"), without a leading slash.
        string name = path.TrimStart('/');
        if (name.Length == 0 || name == TrailerName || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{path}' is not a valid archive path.", nameof(path));
        }
        if (!_names.Add(name))
        {
            throw new ArgumentException($"'{path}' is already in the archive.", nameof(path));
        }
        WriteEntry(name, mode, data, major, minor, _inode++, links);
    }

    private void WriteEntry(string name, int mode, ReadOnlySpan<byte> data, int major, int minor, int inode, int links)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        var header = new StringBuilder(HeaderLength);
        header.Append(Magic);
        foreach (long field in (ReadOnlySpan<long>)[inode, mode, 0, 0, links, 0, data.Length, 0, 0, major, minor, nameBytes.Length + 1, 0])
        {
            header.Append(field.ToString("x8", CultureInfo.InvariantCulture));
        }
        _output.Write(Encoding.ASCII.GetBytes(header.ToString()));
        _output.Write(nameBytes);
        _output.WriteByte(0);
        Pad(HeaderLength + nameBytes.Length + 1);
        _output.Write(data);
        Pad(data.Length);
    }

    private void Pad(int written)
    {
        int padding = (4 - (written % 4)) % 4;
        for (int i = 0; i < padding; i++)
        {
            _output.WriteByte(0);
        }
    }
}
