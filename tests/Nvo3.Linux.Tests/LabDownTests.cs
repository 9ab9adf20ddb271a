using System.Diagnostics;
using System.Text.Json.Nodes;
using Nvo3.Lab.Netns;

namespace Nvo3.Linux.Tests;

/// <summary><c>nvo3 lab netns</c> from separate invocations, and <c>down</c> leaving nothing behind, also after a failed <c>up</c>.</summary>
public class LabDownTests
{
    [Fact]
    public async Task Cli_UpStatusMigrateDown_FromSeparateInvocations_LeaveNoNamespaceInterfaceOrProcess()
    {
        Root.Require();
        string prefix = Root.UniquePrefix();
        string state = Path.Combine(Path.GetTempPath(), $"nvo3-lab-{prefix}");
        string[] lab = ["--prefix", prefix, "--state-dir", state];
        try
        {
            var up = await RunAsync(["lab", "netns", "up", "--hosts", "2", "--vms", "2", .. lab]);
            Assert.True(up.ExitCode == 0, up.Output);

            var status = await RunAsync(["lab", "netns", "status", "--json", .. lab]);
            Assert.True(status.ExitCode == 0, status.Output);
            var report = JsonNode.Parse(status.Output)!;
            var hosts = report["hosts"]!.AsArray();
            Assert.Equal(["h1", "h2"], hosts.Select(h => (string)h!["name"]!));
            Assert.All(hosts, h =>
            {
                Assert.Equal($"{prefix}-{h!["name"]}", (string)h["netns"]!);
                Assert.StartsWith("198.18.", (string)h["underlay"]!, StringComparison.Ordinal);
            });
            var vm1 = report["vms"]!.AsArray().Single(v => (string)v!["name"]! == "vm1")!;
            Assert.Equal("h1", (string)vm1["host"]!);
            Assert.Equal($"{prefix}-vm1", (string)vm1["netns"]!);
            Assert.Equal("02:4e:56:00:00:01", (string)vm1["mac"]!);
            Assert.Equal("10.100.0.1", (string)vm1["ipv4"]!);
            Assert.Equal("fd00:100::1", (string)vm1["ipv6"]!);

            var migrate = await RunAsync(["lab", "netns", "migrate", "vm1", "--to", "h2", "--json", .. lab]);
            Assert.True(migrate.ExitCode == 0, migrate.Output);
            Assert.Equal("h2", (string)JsonNode.Parse(migrate.Output)!["to"]!);
            var after = JsonNode.Parse((await RunAsync(["lab", "netns", "status", "--json", .. lab])).Output)!;
            Assert.Equal("h2", (string)after["vms"]!.AsArray().Single(v => (string)v!["name"]! == "vm1")!["host"]!);
        }
        finally
        {
            var down = await RunAsync(["lab", "netns", "down", .. lab]);
            Assert.True(down.ExitCode == 0, down.Output);
        }
        AssertNothingLeft(prefix, state);
    }

    [Fact]
    public async Task Down_AfterUpFailedMidway_RemovesWhatWasMade()
    {
        Root.Require();
        string prefix = Root.UniquePrefix();
        string state = Path.Combine(Path.GetTempPath(), $"nvo3-lab-{prefix}");
        try
        {
            // An nvo3 that exits at once: up fails waiting for the NVA, after the namespaces exist.
            var failed = await Assert.ThrowsAsync<LabProcessExitedException>(() => NetnsLab.UpAsync(new NetnsLabOptions
            {
                Prefix = prefix,
                StateDirectory = state,
                Nvo3Command = ["/bin/false"],
            }));
            Assert.Contains("exited", failed.Message, StringComparison.Ordinal);
            Assert.Contains($"{prefix}-ul", HostCommand.Namespaces());
            Assert.Contains($"{prefix}-up", HostCommand.Links());
        }
        finally
        {
            var report = NetnsLab.Down(prefix, state);
            Assert.Contains($"{prefix}-h1", report.Namespaces);
        }
        AssertNothingLeft(prefix, state);
    }

    private static void AssertNothingLeft(string prefix, string state)
    {
        Assert.DoesNotContain(HostCommand.Namespaces(), n => n.StartsWith(prefix, StringComparison.Ordinal));
        Assert.DoesNotContain(HostCommand.Links(), l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.False(Directory.Exists(state), $"{state} should be gone");
        foreach (string dir in Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue; // ended meanwhile
            }
            Assert.False(cmdline.Contains(state, StringComparison.Ordinal) || cmdline.Contains($"{prefix}-", StringComparison.Ordinal),
                $"process {Path.GetFileName(dir)} is left: {cmdline}");
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Nvo3Cli.DllPath);
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
