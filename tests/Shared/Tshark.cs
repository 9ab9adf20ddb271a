using System.Diagnostics;
using System.Text.Json;
using Nvo3.Packets;

namespace Nvo3.Testing;

/// <summary>
/// Runs tshark, Wireshark's dissector, over frames written with Nvo3's <see cref="PcapWriter"/>:
/// an independent reading of every field, with IP, UDP and TCP checksum validation switched on
/// (ICMP and ICMPv6 checksums are always validated). Tests skip when tshark is not installed.
/// </summary>
internal static class Tshark
{
    /// <summary>Expert-info severity of an error (Wireshark's PI_ERROR), as the JSON output spells it.</summary>
    public const int SeverityError = 0x0080_0000;

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private static readonly Lazy<string?> Executable = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "tshark"))
            .FirstOrDefault(File.Exists));

    /// <summary>Skips the calling test when tshark is missing.</summary>
    public static void SkipUnlessInstalled()
    {
        if (Executable.Value is null)
        {
            Assert.Skip("tshark is not installed: ./test.sh installs it when run as root (apt-get install tshark).");
        }
    }

    /// <summary>Writes <paramref name="frames"/> to a temporary pcap, 1 ms apart, and returns tshark's dissection of each.</summary>
    public static async Task<IReadOnlyList<DissectedFrame>> DissectAsync(IEnumerable<byte[]> frames, CancellationToken cancellationToken, bool nanoseconds = true)
    {
        SkipUnlessInstalled();
        string capture = Path.Combine(Path.GetTempPath(), $"nvo3-packets-{Guid.NewGuid():N}.pcap");
        try
        {
            using (var writer = new PcapWriter(File.Create(capture), nanoseconds))
            {
                var stamp = new DateTimeOffset(2025, 11, 27, 12, 0, 0, TimeSpan.Zero);
                foreach (var frame in frames)
                {
                    writer.Write(stamp, frame);
                    stamp = stamp.AddMilliseconds(1);
                }
            }
            return await DissectFileAsync(capture, cancellationToken);
        }
        finally
        {
            File.Delete(capture);
        }
    }

    /// <summary>Returns tshark's dissection of every frame of the pcap file at <paramref name="capture"/>, checksums validated.</summary>
    public static async Task<IReadOnlyList<DissectedFrame>> DissectFileAsync(string capture, CancellationToken cancellationToken)
    {
        SkipUnlessInstalled();
        string json = await RunAsync(
            ["-r", capture, "-n", "-T", "json",
             "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"],
            cancellationToken);
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(packet => new DissectedFrame(packet.GetProperty("_source").GetProperty("layers").Clone()))];
    }

    /// <summary>Runs tshark with <paramref name="arguments"/> and a fresh, empty configuration; returns its standard output.</summary>
    private static async Task<string> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        // An empty configuration directory keeps the user's preferences (disabled protocols,
        // decode-as rules) out of the dissection.
        string config = Directory.CreateTempSubdirectory("nvo3-tshark-").FullName;
        try
        {
            var start = new ProcessStartInfo(Executable.Value!)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            start.Environment["WIRESHARK_CONFIG_DIR"] = config;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("tshark did not start.");
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            string output = await stdout;
            string errors = await stderr;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"tshark exited with {process.ExitCode}: {errors}");
            }
            return output;
        }
        finally
        {
            Directory.Delete(config, recursive: true);
        }
    }
}
