using System.Diagnostics;

namespace Nvo3.Lab.Netns;

/// <summary>
/// Runs the host's tools (<c>ip</c>, <c>bridge</c>, <c>sysctl</c>…) and waits for them: the lab
/// sets the kernel up through the same commands an operator would type, so its logs can be
/// replayed by hand. Failures throw <see cref="IOException"/> with the command and its stderr.
/// </summary>
public static class HostCommand
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <summary>The result of one command.</summary>
    /// <param name="ExitCode">Its exit code.</param>
    /// <param name="Stdout">What it printed.</param>
    /// <param name="Stderr">What it complained.</param>
    public readonly record struct Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>True when it exited 0.</summary>
        public bool Ok => ExitCode == 0;
    }

    /// <summary>Runs <paramref name="file"/> with <paramref name="arguments"/>; throws <see cref="IOException"/> unless it exits 0.</summary>
    public static string Run(string file, params string[] arguments)
    {
        var result = TryRun(file, arguments);
        if (!result.Ok)
        {
            throw new IOException($"{file} {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.Stderr.Trim()}");
        }
        return result.Stdout;
    }

    /// <summary>Runs <paramref name="file"/> and returns what happened, whatever it was.</summary>
    public static Result TryRun(string file, params string[] arguments) => TryRun(file, arguments, null);

    /// <summary>Runs <paramref name="file"/> with <paramref name="stdin"/> as its input.</summary>
    public static Result TryRun(string file, IReadOnlyList<string> arguments, string? stdin)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
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
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new IOException($"Cannot run {file}: {ex.Message} (is it installed?).", ex);
        }
        using (process)
        {
            if (stdin is not null)
            {
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(s_timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new IOException($"{file} {string.Join(' ', arguments)} did not finish within {s_timeout.TotalSeconds} s.");
            }
            return new Result(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }
    }

    /// <summary>Runs <c>ip ARGS</c>.</summary>
    public static string Ip(params string[] arguments) => Run("ip", arguments);

    /// <summary>Runs several <c>ip</c> commands in one process (<c>ip -batch -</c>), optionally in namespace <paramref name="netns"/>.</summary>
    public static void IpBatch(string? netns, IEnumerable<string> commands)
    {
        var arguments = new List<string>();
        if (netns is not null)
        {
            arguments.AddRange(["-n", netns]);
        }
        arguments.AddRange(["-batch", "-"]);
        string script = string.Join('\n', commands) + "\n";
        var result = TryRun("ip", arguments, script);
        if (!result.Ok)
        {
            throw new IOException($"ip {(netns is null ? "" : "-n " + netns + " ")}-batch failed ({result.ExitCode}): {result.Stderr.Trim()}\n{script}");
        }
    }

    /// <summary>The names of the network namespaces <c>ip netns</c> knows.</summary>
    public static IReadOnlyList<string> Namespaces() =>
        [.. Ip("netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ')[0])];

    /// <summary>The ids of the processes whose network namespace is <paramref name="netns"/>.</summary>
    public static IReadOnlyList<int> ProcessesIn(string netns)
    {
        var result = TryRun("ip", "netns", "pids", netns);
        return result.Ok ? [.. result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)] : [];
    }

    /// <summary>The interface names of a namespace (null: this process's).</summary>
    public static IReadOnlyList<string> Links(string? netns = null)
    {
        var result = netns is null ? TryRun("ip", "-o", "link", "show") : TryRun("ip", "-n", netns, "-o", "link", "show");
        if (!result.Ok)
        {
            return [];
        }
        // "3: name@peer: <FLAGS> ..." one per line.
        return [.. result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 3)[1].Trim().Split('@')[0])];
    }
}
