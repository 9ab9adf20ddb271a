namespace Nvo3.Lab.Netns;

public sealed partial class NetnsLab
{
    /// <summary>What <see cref="Down"/> removed.</summary>
    /// <param name="Processes">Processes stopped (name and pid).</param>
    /// <param name="Namespaces">Namespaces deleted.</param>
    /// <param name="Links">Root-namespace interfaces deleted.</param>
    public sealed record DownReport(IReadOnlyList<string> Processes, IReadOnlyList<string> Namespaces, IReadOnlyList<string> Links);

    /// <summary>
    /// Removes every process, namespace and interface of the lab with <paramref name="prefix"/>:
    /// first those its state file lists (processes by pid, checked against their command line), then
    /// whatever else carries the prefix (an <c>up</c> that failed before it could write them down).
    /// Processes still inside a lab namespace are ended by pid too. Safe to run twice.
    /// </summary>
    public static DownReport Down(string prefix, string? stateDirectory = null)
    {
        NetnsLabOptions.CheckPrefix(prefix);
        stateDirectory ??= NetnsLabOptions.DefaultStateDirectory(prefix);
        RefuseForeignDirectory(stateDirectory);
        NetnsLabState? state;
        try
        {
            state = NetnsLabState.Load(stateDirectory);
        }
        catch (InvalidDataException)
        {
            state = null; // a torn state file: the name scan below still finds everything
        }
        var stopped = new List<string>();
        var grace = TimeSpan.FromSeconds(3);
        if (state is not null)
        {
            // Helpers and NVEs before the NVA, so none of them logs a lost NVA on the way out.
            var processes = state.Helpers.Concat(state.Hosts.Select(h => h.Process).OfType<LabProcessRecord>());
            foreach (var process in processes)
            {
                if (LabProcess.Stop(process.Pid, "nvo3", grace))
                {
                    stopped.Add($"{process.Name} ({process.Pid})");
                }
            }
            if (state.Nva is { } nva && LabProcess.Stop(nva.Pid, state.StateDirectory, grace))
            {
                stopped.Add($"nva ({nva.Pid})");
            }
        }
        string dash = prefix + "-";
        var namespaces = HostCommand.Namespaces().Where(n => n.StartsWith(dash, StringComparison.Ordinal))
            .Concat(state?.Namespaces ?? []).Distinct().ToList();
        foreach (string ns in namespaces)
        {
            foreach (int pid in HostCommand.ProcessesIn(ns))
            {
                // Only the lab starts processes in its namespaces (ip netns exec).
                if (LabProcess.Stop(pid, "", grace))
                {
                    stopped.Add($"pid {pid} in {ns}");
                }
            }
        }
        var deleted = new List<string>();
        // VMs first (their TAPs belong to NVEs that are gone now), the underlay last.
        foreach (string ns in namespaces.OrderBy(n => n == $"{prefix}-ul" ? 1 : 0))
        {
            if (HostCommand.TryRun("ip", "netns", "del", ns).Ok)
            {
                deleted.Add(ns);
            }
        }
        var links = new List<string>();
        foreach (string link in HostCommand.Links().Where(l => l.StartsWith(dash, StringComparison.Ordinal)).Concat(state?.RootLinks ?? []).Distinct())
        {
            if (HostCommand.TryRun("ip", "link", "del", link).Ok)
            {
                links.Add(link);
            }
        }
        RemoveLabFiles(stateDirectory);
        return new DownReport(stopped, deleted, links);
    }

    /// <summary>
    /// Refuses a state directory that holds files but no lab state file: it is not a lab's (a
    /// mistyped <c>--state-dir</c> run as root), so nothing in it, nor any process, may be touched.
    /// </summary>
    private static void RefuseForeignDirectory(string directory)
    {
        if (Directory.Exists(directory) && !File.Exists(Path.Combine(directory, NetnsLabState.FileName))
            && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new IOException($"{directory} holds no lab state file ({NetnsLabState.FileName}): it is not a lab's state directory, so nothing was removed. Give the lab's --state-dir, or none for /run/nvo3-lab/PREFIX.");
        }
    }

    /// <summary>
    /// Deletes the files a lab writes in its state directory (its state file, the NVA's SQLite
    /// files, the process logs) and then the directory if nothing else is left in it; anything the
    /// lab did not write stays where it is.
    /// </summary>
    private static void RemoveLabFiles(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }
        foreach (string path in Directory.EnumerateFiles(directory))
        {
            if (IsLabFile(Path.GetFileName(path)))
            {
                File.Delete(path);
            }
        }
        if (!Directory.EnumerateFileSystemEntries(directory).Any())
        {
            Directory.Delete(directory);
        }
    }

    /// <summary>Whether the lab writes a file by this name in its state directory.</summary>
    internal static bool IsLabFile(string name) =>
        name is NetnsLabState.FileName or NetnsLabState.FileName + ".tmp" or "nva.db" or "nva.db-wal" or "nva.db-shm" or "nva.db-journal" or "nva.db.lock"
        || name.EndsWith(".log", StringComparison.Ordinal);
}
