using System.ComponentModel;
using System.Diagnostics;

namespace Nvo3.Qemu;

/// <summary>
/// Runs a short-lived host program (busybox, xz, zstd, qemu-img) to its end and returns what it
/// printed, its output as bytes (a decompressed module is binary). Bounded in time: a program
/// that does not finish is killed and reported.
/// </summary>
internal static class HostProgram
{
    /// <summary>What a program did.</summary>
    /// <param name="ExitCode">Its exit code.</param>
    /// <param name="Output">Its standard output.</param>
    /// <param name="Error">Its standard error, as text.</param>
    public readonly record struct Result(int ExitCode, byte[] Output, string Error)
    {
        /// <summary>Its standard output as UTF-8 text.</summary>
        public string Text => System.Text.Encoding.UTF8.GetString(Output);
    }

    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="arguments"/>; throws <see cref="IOException"/>
    /// when it cannot start (naming <paramref name="package"/> to install) or takes longer than
    /// <paramref name="timeout"/>.
    /// </summary>
    public static async Task<Result> RunAsync(string file, IReadOnlyList<string> arguments, string package, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new IOException($"Cannot start {file}.");
        }
        catch (Win32Exception ex)
        {
            throw new IOException($"Cannot run {file}: {ex.Message} (install {package}).", ex);
        }
        using (process)
        {
            process.StandardInput.Close();
            using var output = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(output, cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
                await copy.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                cancellationToken.ThrowIfCancellationRequested();
                throw new IOException($"{file} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0} s.");
            }
            return new Result(process.ExitCode, output.ToArray(), await error.ConfigureAwait(false));
        }
    }

    /// <summary>Runs it and throws <see cref="IOException"/> with its complaint unless it exits 0.</summary>
    public static async Task<Result> RunCheckedAsync(string file, IReadOnlyList<string> arguments, string package, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(file, arguments, package, timeout, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new IOException($"{file} {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.Error.Trim()}");
        }
        return result;
    }
}
