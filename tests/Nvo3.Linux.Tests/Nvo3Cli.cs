using System.Reflection;

namespace Nvo3.Linux.Tests;

/// <summary>The nvo3 command these tests run (dotnet nvo3.dll, built with them).</summary>
internal static class Nvo3Cli
{
    /// <summary>Where the CLI's build put nvo3.dll.</summary>
    public static string DllPath
    {
        get
        {
            string dll = typeof(Nvo3Cli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "nvo3.dll").Value!;
            return File.Exists(dll) ? dll
                : throw new FileNotFoundException($"nvo3 is not built at {dll}; build Nvo3.slnx (or src/Nvo3.Cli) in the same configuration as the tests.", dll);
        }
    }

    /// <summary>The command line that runs it.</summary>
    public static IReadOnlyList<string> Command => ["dotnet", DllPath];
}
