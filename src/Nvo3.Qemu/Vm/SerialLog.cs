using System.Text;

namespace Nvo3.Qemu.Vm;

/// <summary>
/// The guest's serial console as QEMU writes it to a file: read incrementally (only what is new
/// each time) and searched for a marker line. Keeps at most the last 1 MiB of text.
/// </summary>
internal sealed class SerialLog(string path)
{
    private const int MaxKept = 1 << 20;
    private readonly StringBuilder _text = new();
    private readonly Lock _lock = new();
    private long _offset;

    public string Path { get; } = path;

    /// <summary>Everything read so far (its last MiB).</summary>
    public string Text
    {
        get
        {
            lock (_lock)
            {
                Refresh();
                return _text.ToString();
            }
        }
    }

    /// <summary>The first line containing <paramref name="marker"/> that has been written, or null.</summary>
    public string? FindLine(string marker)
    {
        lock (_lock)
        {
            Refresh();
            string text = _text.ToString();
            int at = text.IndexOf(marker, StringComparison.Ordinal);
            if (at < 0)
            {
                return null;
            }
            int start = text.LastIndexOf('\n', at) + 1;
            int end = text.IndexOf('\n', at);
            return text[start..(end < 0 ? text.Length : end)].TrimEnd('\r');
        }
    }

    private void Refresh()
    {
        if (!File.Exists(Path))
        {
            return;
        }
        using var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (file.Length <= _offset)
        {
            return;
        }
        file.Position = _offset;
        var bytes = new byte[Math.Min(file.Length - _offset, MaxKept)];
        int read = file.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        _offset += read;
        _text.Append(Encoding.UTF8.GetString(bytes, 0, read));
        if (_text.Length > MaxKept)
        {
            _text.Remove(0, _text.Length - MaxKept);
        }
    }
}
