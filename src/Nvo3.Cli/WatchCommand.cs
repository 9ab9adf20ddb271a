using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Nvo3.Nva;

namespace Nvo3.Cli;

/// <summary><c>nvo3 watch [--vni V] [--count N]</c>: the directory's changes as they happen, like <c>etcdctl watch</c>.</summary>
internal static class WatchCommand
{
    public static Command Create()
    {
        var vni = new Option<uint[]>("--vni") { Description = "Only the changes of this network (repeat for more), and of every NVE.", AllowMultipleArgumentsPerToken = true };
        var count = new Option<int>("--count") { Description = "Stop after this many changes (0: until Ctrl+C)." };
        count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--count must be 0 or more.");
            }
        });
        var from = new Option<long>("--from-revision") { Description = "Start at this revision of the directory (0: from now); older than the NVA keeps is a resync." };
        var nva = Cli.NvaOption();
        var json = Cli.JsonOption();
        json.Description = "Print one JSON object per line instead of text.";
        var command = new Command("watch", "Print the directory's changes as they happen, one line each: networks, NVEs, bindings, redirects, "
            + "migrations. Ends after --count changes or on Ctrl+C.")
        {
            vni, count, from, nva, json,
        };
        command.Handle(async (p, ct) =>
        {
            var vnis = p.GetValue(vni) ?? [];
            if (vnis.FirstOrDefault(v => v is 0 or > 0xFF_FFFF, 1u) is var bad && bad is 0 or > 0xFF_FFFF)
            {
                throw new ArgumentException($"--vni {bad} is not a 24-bit network identifier (1–16777215).");
            }
            if (p.GetValue(from) < 0)
            {
                throw new ArgumentException("--from-revision must be 0 or more.");
            }
            using var client = Cli.Connect(p.GetValue(nva)!);
            // "From now" is pinned to a revision before the first line, so whatever changes after that line is seen.
            long next = p.GetValue(from) > 0 ? p.GetValue(from) : (await client.StatusAsync(ct).ConfigureAwait(false)).Revision + 1;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"nvo3 watch: watching the NVA at {client.Address} from revision {next}; Ctrl+C stops."));
            int wanted = p.GetValue(count);
            int seen = 0;
            while (true)
            {
                await foreach (var change in client.WatchAsync(next, "", vnis, ct).ConfigureAwait(false))
                {
                    if (change.Kind == ChangeKind.None)
                    {
                        continue; // progress: the NVA's revision moved in networks not watched
                    }
                    next = change.Kind == ChangeKind.Resync ? 0 : change.Revision + 1;
                    Console.WriteLine(p.GetValue(json) ? WatchLines.Json(change).ToJsonString() : WatchLines.Text(change));
                    if (wanted > 0 && ++seen >= wanted)
                    {
                        return Cli.Ok;
                    }
                }
                if (next == 0)
                {
                    // A resync: what changed while we were behind is lost; go on from now.
                    next = (await client.StatusAsync(ct).ConfigureAwait(false)).Revision + 1;
                }
            }
        });
        return command;
    }
}
