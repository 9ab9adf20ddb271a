using System.CommandLine;

namespace Nvo3.Cli;

/// <summary>
/// <c>nvo3 completion bash</c>: a bash completion script. It asks nvo3 itself what fits at the
/// cursor through System.CommandLine's <c>[suggest:POSITION]</c> directive, so subcommands, options
/// and option values (<c>--mode hot|warm|cold</c>, scenario names…) never drift from the tree.
/// </summary>
internal static class CompletionCommand
{
    /// <summary>The script; <c>COMP_LINE</c> and <c>COMP_POINT</c> are what bash completes.</summary>
    public const string BashScript = """
        # bash completion for nvo3: source it, or install it with
        #   nvo3 completion bash > /etc/bash_completion.d/nvo3   (or ~/.local/share/bash-completion/completions/nvo3)
        _nvo3_complete() {
            local cur="${COMP_WORDS[COMP_CWORD]}"
            local IFS=$'\n'
            local candidates
            # nvo3 parses the line up to the cursor and prints one candidate a line.
            # Help's short aliases (-h, -?, /h, /?) are left out: --help is enough to offer.
            candidates=$("${COMP_WORDS[0]}" "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null | grep -v -x -e '-h' -e '-?' -e '/h' -e '/?') || return 0
            COMPREPLY=($(compgen -W "${candidates}" -- "${cur}"))
        }
        complete -o default -F _nvo3_complete nvo3

        """;

    /// <summary>The command.</summary>
    public static Command Create()
    {
        var shell = new Argument<string>("SHELL") { Description = "The shell: bash." };
        shell.AcceptOnlyFromAmong("bash");
        var command = new Command("completion", "Print a shell completion script: eval \"$(nvo3 completion bash)\", or save it in /etc/bash_completion.d/nvo3.") { shell };
        command.Handle((p, _) =>
        {
            Console.Write(BashScript);
            return Task.FromResult(Cli.Ok);
        });
        return command;
    }
}
