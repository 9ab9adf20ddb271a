using System.Runtime.ExceptionServices;

using Nvo3.Nve.Linux;

namespace Nvo3.Lab.Linux;

/// <summary>
/// Runs code inside a named network namespace (<c>/run/netns/NAME</c>, as <c>ip netns add</c>
/// makes them) without moving the process: a fresh thread calls setns() and runs the code, then
/// ends. Sockets and TAP devices created there belong to that namespace for good and may be used
/// from any thread afterwards (the kernel keeps a socket's namespace, not the caller's).
/// </summary>
public static class NetworkNamespace
{
    /// <summary>Where <c>ip netns</c> keeps its namespaces.</summary>
    public const string Directory = "/run/netns";

    /// <summary>True when a namespace of that name exists.</summary>
    public static bool Exists(string name) => File.Exists(Path.Combine(Directory, name));

    /// <summary>
    /// Runs <paramref name="body"/> on a thread inside namespace <paramref name="name"/> and returns
    /// its result; its exceptions are rethrown here. Throws <see cref="IOException"/> when the
    /// namespace cannot be entered (it does not exist, or the caller lacks CAP_SYS_ADMIN).
    /// </summary>
    public static T Run<T>(string name, Func<T> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        string path = Path.Combine(Directory, name);
        int fd = LibC.Open(path, LibC.ORdOnly | LibC.OCloExec);
        if (fd < 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot open network namespace {path}: {LibC.Describe(errno)} (create it with ip netns add {name}).");
        }
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        try
        {
            var thread = new Thread(() =>
            {
                try
                {
                    if (LibC.SetNs(fd, LibC.CloneNewNet) != 0)
                    {
                        int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                        throw new IOException($"Cannot enter network namespace {name}: {LibC.Describe(errno)} (this needs root, CAP_SYS_ADMIN).");
                    }
                    result = body();
                }
                catch (Exception ex)
                {
                    failure = ExceptionDispatchInfo.Capture(ex);
                }
            })
            {
                IsBackground = true,
                Name = $"netns-{name}",
            };
            thread.Start();
            thread.Join();
        }
        finally
        {
            LibC.Close(fd);
        }
        failure?.Throw();
        return result;
    }

    /// <summary>Runs <paramref name="body"/> inside namespace <paramref name="name"/>.</summary>
    public static void Run(string name, Action body) => Run(name, () =>
    {
        body();
        return true;
    });
}
