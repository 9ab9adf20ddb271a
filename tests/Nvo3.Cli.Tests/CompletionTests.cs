using System.Diagnostics;
using Nvo3.IntegrationTests;

namespace Nvo3.Cli.Tests;

/// <summary><c>nvo3 completion bash</c>, sourced into a real bash, completing real command lines.</summary>
public sealed class CompletionTests
{
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task CompletionBash_SourcedInBash_CompletesCommandsOptionsAndValues()
    {
        using var folder = new TempFolder();
        // bash runs nvo3 by name, as a user would: a wrapper on PATH starts the built CLI.
        string wrapper = folder.File("nvo3");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec dotnet '{Nvo3Process.DllPath}' \"$@\"\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        const string Script = """
            source <(nvo3 completion bash) || exit 3
            complete -p nvo3
            complete_line() {
              COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; read -r -a COMP_WORDS <<< "$COMP_LINE"
              [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
              COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=()
              _nvo3_complete
              echo "$1|${COMPREPLY[*]}"
            }
            complete_line "nvo3 v"
            complete_line "nvo3 vn "
            complete_line "nvo3 migrate vm1 --mode w"
            complete_line "nvo3 demo --scenario l2-ipv4-h"
            complete_line "nvo3 nve run --up"
            """;
        var start = new ProcessStartInfo("bash") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--norc");
        start.Environment["PATH"] = folder.Path + ":" + Environment.GetEnvironmentVariable("PATH");
        using var bash = Process.Start(start)!;
        await bash.StandardInput.WriteAsync(Script);
        bash.StandardInput.Close();
        string output = await bash.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        string errors = await bash.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await bash.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.True(bash.ExitCode == 0, $"bash exited {bash.ExitCode}: {output}\n{errors}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("complete -o default -F _nvo3_complete nvo3", lines[0]);
        var completions = lines.Skip(1).Select(l => l.Split('|')).ToDictionary(p => p[0], p => p[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["vm", "vn"], completions["nvo3 v"]);
        Assert.Equal(["--help", "create", "delete", "list"], completions["nvo3 vn "].Order(StringComparer.Ordinal));
        Assert.Equal(["warm"], completions["nvo3 migrate vm1 --mode w"]);
        Assert.Equal(["l2-ipv4-hot", "l2-ipv4-hot-standby"], completions["nvo3 demo --scenario l2-ipv4-h"].Order(StringComparer.Ordinal));
        Assert.Equal(["--update"], completions["nvo3 nve run --up"]);
    }
}
