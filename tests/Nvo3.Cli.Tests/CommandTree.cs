using System.CommandLine;

namespace Nvo3.Cli.Tests;

/// <summary>The nvo3 command tree, walked: every command and subcommand, as the words that name it.</summary>
internal static class CommandTree
{
    /// <summary>Every command below the root (and the root itself, as no words), depth first.</summary>
    public static IEnumerable<(string[] Path, Command Command)> All()
    {
        var stack = new Stack<(string[], Command)>();
        stack.Push(([], CliRoot.Create()));
        while (stack.Count > 0)
        {
            var (path, command) = stack.Pop();
            yield return (path, command);
            foreach (var child in command.Subcommands.Reverse())
            {
                stack.Push(([.. path, child.Name], child));
            }
        }
    }

    /// <summary>Every command path, joined with spaces ("" for the root), for theories.</summary>
    public static TheoryData<string> Paths() => [.. All().Select(c => string.Join(' ', c.Path))];

    /// <summary>The command at <paramref name="path"/>.</summary>
    public static Command Find(string path) => All().Single(c => string.Join(' ', c.Path) == path).Command;

    /// <summary>The words of <paramref name="path"/>.</summary>
    public static string[] Words(string path) => path.Length == 0 ? [] : path.Split(' ');

    /// <summary>
    /// Arguments that satisfy every required option and argument of <paramref name="command"/> (and
    /// those its handler requires) with a
    /// plausible value, so that the command gets past parsing (what it then does with them is the test's).
    /// </summary>
    public static List<string> RequiredArguments(Command command)
    {
        var args = command.Arguments.Where(a => a.Arity.MinimumNumberOfValues > 0).Select(a => Sample(a.Name)).ToList();
        // Required in the handler rather than the parser (vm attach needs --vni, --mac and --nve; vm delete --vni and --mac).
        string[] checkedLater = ["--vni", "--mac", "--nve"];
        foreach (var option in command.Options.Where(o => o.Required || checkedLater.Contains(o.Name)))
        {
            args.Add(option.Name);
            args.Add(Sample(option.Name));
        }
        return args;
    }

    private static string Sample(string name) => name switch
    {
        "--vni" => "100",
        "--subnet" => "10.0.0.0/24",
        "--underlay" => "127.0.0.1:4999",
        "--mac" => "02:00:00:00:00:01",
        "--ip" => "10.0.0.1",
        "--to" or "--nve" => "b",
        "CA_DIR" => Path.Combine(Path.GetTempPath(), "nvo3-no-ca-" + Guid.NewGuid().ToString("N")),
        "SHELL" => "bash",
        "TABLE" => "ports",
        _ => "x1",
    };
}
