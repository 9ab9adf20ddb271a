using Nvo3.Lab.Netns;

namespace Nvo3.Linux.Tests;

/// <summary>
/// Network namespaces for one test, named with a unique prefix; disposing ends the processes
/// inside them (by pid) and deletes them, whether the test passed or not.
/// </summary>
internal sealed class TestNamespaces : IDisposable
{
    private readonly List<string> _created = [];

    public string Prefix { get; } = Root.UniquePrefix();

    /// <summary>Creates namespace PREFIX-<paramref name="name"/> with lo up; returns its full name.</summary>
    public string Add(string name)
    {
        string full = $"{Prefix}-{name}";
        HostCommand.Ip("netns", "add", full);
        _created.Add(full);
        HostCommand.Ip("-n", full, "link", "set", "lo", "up");
        return full;
    }

    public void Dispose()
    {
        foreach (string ns in _created)
        {
            foreach (int pid in HostCommand.ProcessesIn(ns))
            {
                try
                {
                    System.Diagnostics.Process.GetProcessById(pid).Kill();
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    // Already gone.
                }
            }
            HostCommand.TryRun("ip", "netns", "del", ns);
        }
    }
}
