using System.Globalization;
using System.Text;

namespace Nvo3.Lab.Netns;

/// <summary>
/// Starts the lab's long-running processes detached from the command that started them (their
/// own session, output to a log file), so they outlive <c>nvo3 lab netns up</c>; and stops them
/// by process id, after checking that the id still names the process the lab started.
/// </summary>
public static class LabProcess
{
    /// <summary>
    /// Starts <paramref name="command"/> (in namespace <paramref name="netns"/> when given) with
    /// output to <paramref name="log"/>; returns its process id. <c>ip netns exec</c> and
    /// <c>setsid</c> exec in place, so the id is the program's own.
    /// </summary>
    public static int Start(IReadOnlyList<string> command, string? netns, string log)
    {
        var line = new StringBuilder("setsid ");
        if (netns is not null)
        {
            line.Append("ip netns exec ").Append(Quote(netns)).Append(' ');
        }
        line.AppendJoin(' ', command.Select(Quote));
        line.Append(" >").Append(Quote(log)).Append(" 2>&1 </dev/null & echo $!");
        string output = HostCommand.Run("sh", "-c", line.ToString()).Trim();
        return int.TryParse(output, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            ? pid
            : throw new IOException($"Could not start {string.Join(' ', command)}: the shell said '{output}'.");
    }

    /// <summary>How to run this very program again (the apphost, or dotnet with the entry assembly).</summary>
    public static IReadOnlyList<string> Self()
    {
        string process = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell how this program was started.");
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            // Under dotnet the entry assembly is a file beside the app (Assembly.Location would be
            // empty in a single-file nvo3, which never runs under dotnet, but the analyzer cannot know).
            string name = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name
                ?? throw new InvalidOperationException("Cannot tell which assembly dotnet runs.");
            return [process, Path.Combine(AppContext.BaseDirectory, name + ".dll")];
        }
        return [process];
    }

    /// <summary>True when process <paramref name="pid"/> runs and its command line contains <paramref name="marker"/>.</summary>
    public static bool IsRunning(int pid, string marker)
    {
        try
        {
            string cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            if (cmdline.Length == 0)
            {
                // Mid-exec (setsid → ip netns exec → dotnet) the command line reads empty for a
                // moment; only a zombie's stays empty. Ask the process state instead.
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                int close = stat.LastIndexOf(')');
                return close > 0 && close + 2 < stat.Length && stat[close + 2] != 'Z';
            }
            return cmdline.Contains(marker, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Stops process <paramref name="pid"/> if it is still the one the lab started (its command line
    /// contains <paramref name="marker"/>): SIGTERM, then SIGKILL after <paramref name="grace"/>.
    /// Returns true when it was running.
    /// </summary>
    public static bool Stop(int pid, string marker, TimeSpan grace)
    {
        if (!IsRunning(pid, marker))
        {
            return false;
        }
        HostCommand.TryRun("kill", "-TERM", pid.ToString(CultureInfo.InvariantCulture));
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(started) < grace)
        {
            if (!IsRunning(pid, marker))
            {
                return true;
            }
            Thread.Sleep(20);
        }
        HostCommand.TryRun("kill", "-KILL", pid.ToString(CultureInfo.InvariantCulture));
        for (int i = 0; i < 100 && IsRunning(pid, marker); i++)
        {
            Thread.Sleep(20);
        }
        return true;
    }

    // Single quotes for sh: everything literal, a quote written as '\''.
    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
