using System.CommandLine;
using Nvo3.Cli;

var root = new RootCommand(
    "nvo3: an overlay network whose VMs and tasks move between servers, hot, warm or cold, keeping their addresses and losing no packets in flight.");
foreach (var command in Commands.All())
{
    root.Subcommands.Add(command);
}
return await root.Parse(args).InvokeAsync();
