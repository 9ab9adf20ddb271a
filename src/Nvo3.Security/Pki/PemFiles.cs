using System.Security.Cryptography;

namespace Nvo3.Security;

/// <summary>
/// Reads and writes the PEM files of the PKI. A write never leaves a half-written file and never
/// replaces one unless forced: each file is written under a temporary name in its folder, created
/// with its final mode (0600 for keys: the key is never readable by others, not even for an
/// instant), then renamed into place. Nothing is ever deleted but our own temporary files.
/// </summary>
internal static class PemFiles
{
    private const UnixFileMode Secret = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Public = Secret | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode PrivateFolder = Secret | UnixFileMode.UserExecute;

    /// <summary>One file to write.</summary>
    public sealed record File(string Path, string Text, bool IsSecret);

    /// <summary>
    /// Writes every file, or none when one exists and <paramref name="force"/> is off. Creates a
    /// missing folder readable by its owner only (it holds a key).
    /// </summary>
    public static void WriteAll(IReadOnlyList<File> files, bool force)
    {
        if (!force)
        {
            var existing = files.Where(f => Path.Exists(f.Path)).Select(f => f.Path).ToList();
            if (existing.Count > 0)
            {
                throw new PkiException($"{string.Join(", ", existing)} already exist{(existing.Count == 1 ? "s" : "")}; nothing was written (--force replaces {(existing.Count == 1 ? "it" : "them")}).");
            }
        }
        foreach (string folder in files.Select(f => Path.GetDirectoryName(Path.GetFullPath(f.Path))!).Distinct())
        {
            CreateFolder(folder);
        }
        foreach (var file in files)
        {
            Write(file, force);
        }
    }

    /// <summary>Creates a folder (owner-only on Unix) unless it exists; leaves an existing folder as it is.</summary>
    public static void CreateFolder(string folder)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, PrivateFolder);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PkiException($"Cannot create the folder {folder}: {ex.Message}", ex);
        }
    }

    private static void Write(File file, bool force)
    {
        string temporary = $"{file.Path}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = file.IsSecret ? Secret : Public;
            }
            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(file.Text);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            // Without force, a file that appeared since the check is not replaced: the move fails.
            System.IO.File.Move(temporary, file.Path, overwrite: force);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDeleteOwn(temporary);
            throw new PkiException($"Cannot write {file.Path}: {ex.Message}", ex);
        }
    }

    private static void TryDeleteOwn(string temporary)
    {
        try
        {
            System.IO.File.Delete(temporary);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Our own temporary file stays behind; the error that matters is the caller's.
        }
    }

    /// <summary>The text of a PEM file; a missing or unreadable file is a <see cref="PkiException"/> naming it and <paramref name="hint"/>.</summary>
    public static string Read(string path, string what, string hint)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new PkiException($"{what} {path} does not exist; {hint}.");
            }
            if (info.Length > 1 << 20)
            {
                throw new PkiException($"{what} {path} is {info.Length} bytes, too large for a PEM file.");
            }
            return System.IO.File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException and not PkiException or UnauthorizedAccessException)
        {
            throw new PkiException($"Cannot read {what} {path}: {ex.Message}", ex);
        }
    }
}
