using Nvo3.Lab.Netns;

namespace Nvo3.Linux.Tests;

/// <summary>
/// A netns lab for one test class, under a unique prefix and a temporary state directory; disposing
/// runs <see cref="NetnsLab.Down"/> whatever happened, and prints the NVE logs when asked.
/// </summary>
public sealed class LabFixture : IAsyncDisposable
{
    private readonly string _prefix;
    private readonly string _stateDirectory;

    private LabFixture(string prefix, string stateDirectory, NetnsLab lab)
    {
        _prefix = prefix;
        _stateDirectory = stateDirectory;
        Lab = lab;
    }

    /// <summary>The lab.</summary>
    public NetnsLab Lab { get; }

    /// <summary>Builds a lab; on failure removes whatever it made and rethrows.</summary>
    public static async Task<LabFixture> UpAsync(int hosts = 2, int vms = 2, bool kernelVtep = false, string update = "pull", string layer = "l2")
    {
        string prefix = Root.UniquePrefix();
        string state = Path.Combine(Path.GetTempPath(), $"nvo3-lab-{prefix}");
        try
        {
            var lab = await NetnsLab.UpAsync(new NetnsLabOptions
            {
                Prefix = prefix,
                StateDirectory = state,
                Hosts = hosts,
                Vms = vms,
                WithKernelVtep = kernelVtep,
                UpdateMode = update,
                Layer = layer,
                Nvo3Command = Nvo3Cli.Command,
            });
            return new LabFixture(prefix, state, lab);
        }
        catch
        {
            NetnsLab.Down(prefix, state);
            throw;
        }
    }

    /// <summary>The namespace of VM <paramref name="name"/>.</summary>
    public string Netns(string name) => Lab.Vm(name).Netns;

    /// <summary>The last lines of every lab process's log, for a failure message.</summary>
    public string Logs()
    {
        var logs = Directory.Exists(_stateDirectory) ? Directory.GetFiles(_stateDirectory, "*.log") : [];
        return string.Join("\n", logs.Select(l => $"== {Path.GetFileName(l)}\n" + string.Join('\n', File.ReadLines(l).TakeLast(15))));
    }

    public ValueTask DisposeAsync()
    {
        Lab.Dispose();
        NetnsLab.Down(_prefix, _stateDirectory);
        return ValueTask.CompletedTask;
    }
}
