using Nvo3.Lab.Linux;
using Nvo3.Nve.Linux;

namespace Nvo3.Lab.Netns;

/// <summary>Sets per-namespace kernel settings (<c>net.*</c> sysctls) from a thread inside the namespace.</summary>
public static class Sysctl
{
    /// <summary>Sets each <c>net.…</c> key to its value inside <paramref name="netns"/>.</summary>
    public static void Set(string netns, params (string Key, string Value)[] settings) =>
        NetworkNamespace.Run(netns, () =>
        {
            // /proc/sys/net shows the namespace of the thread that opens it.
            foreach (var (key, value) in settings)
            {
                File.WriteAllText("/proc/sys/" + key.Replace('.', '/'), value);
            }
        });

    /// <summary>Reads a <c>net.…</c> key inside <paramref name="netns"/>.</summary>
    public static string Get(string netns, string key) =>
        NetworkNamespace.Run(netns, () => File.ReadAllText("/proc/sys/" + key.Replace('.', '/')).Trim());
}
