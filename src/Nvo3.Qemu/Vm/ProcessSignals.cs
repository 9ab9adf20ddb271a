using System.Runtime.InteropServices;

namespace Nvo3.Qemu.Vm;

/// <summary>kill(2), for the SIGTERM .NET's Process does not send.</summary>
internal static partial class ProcessSignals
{
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
