using System.Diagnostics;
using Microsoft.CodeAnalysis;

namespace Nvo3.Mutation;

/// <summary>Scores one area: compiles it in memory, checks the tests pass on the unmutated build, then judges every mutant in turn.</summary>
internal sealed class AreaRun(string repository, Area area, MutationOptions options)
{
    public async Task<MutationReport> RunAsync()
    {
        var started = DateTimeOffset.Now;
        string scratch = Path.Combine(options.Scratch, area.Name);
        Console.WriteLine($"{area.Name}: compiling {area.Project} in memory");
        var compiler = ProjectCompiler.Load(repository, area.Project);
        var mutants = FindMutants(compiler);
        Console.WriteLine($"{area.Name}: {mutants.Count} mutants in {area.Files.Count} file(s)");
        if (options.ListOnly)
        {
            foreach (var m in mutants)
            {
                Console.WriteLine("  " + m.Describe());
            }
            return new MutationReport(area.Name, Commit(), started);
        }

        var runners = area.Tests.Select(t => new TestSuiteRunner(repository, t with { Filter = [.. t.Filter, .. options.ExtraFilter] }, scratch)).ToList();
        var originals = runners.Select(r => r.Read(compiler.AssemblyName)).ToList();
        var timeout = await BaselineAsync(compiler, runners);
        var since = options.Since is { } path ? MutationReport.Read(Path.Combine(path, area.Name + ".json")) : null;
        var report = new MutationReport(area.Name, Commit(), started);
        int index = 0;
        foreach (var mutant in mutants)
        {
            index++;
            if (since is not null && since.TryGetValue(MutationReport.KeyOf(mutant), out var old) && old.Status != MutantStatus.Survived)
            {
                report.Add(new MutantResult(mutant, old.Status, old.Detail, TimeSpan.FromMilliseconds(old.ElapsedMs)), carried: true);
                continue;
            }
            var result = await JudgeAsync(compiler, runners, originals, mutant, timeout);
            report.Add(result, carried: false);
            Console.WriteLine($"[{index}/{mutants.Count}] {result.Status,-12} {mutant.Describe()} ({result.Elapsed.TotalSeconds:F1} s){(result.Status == MutantStatus.Survived ? "" : "  " + result.Detail)}");
            if (index % 5 == 0)
            {
                report.Write(options.Output, DateTimeOffset.Now);
            }
        }
        for (int i = 0; i < runners.Count; i++)
        {
            runners[i].Install(compiler.AssemblyName, null, originals[i]);
        }
        report.Write(options.Output, DateTimeOffset.Now);
        return report;
    }

    private List<Mutant> FindMutants(ProjectCompiler compiler)
    {
        var all = new List<Mutant>();
        foreach (var file in area.Files)
        {
            var tree = compiler.Tree(Path.Combine(repository, file.Path));
            all.AddRange(new MutantFinder(file.Path, tree, compiler.Model(tree), file.Members).Find(all.Count + 1));
        }
        var chosen = all.Select((m, i) => m with { Id = i + 1 })
            .Where(m => options.Only.Count == 0 || options.Only.Any(o => $"{m.File}:{m.Line}".EndsWith(o, StringComparison.Ordinal)))
            .ToList();
        // A sample is chosen by a hash of what each mutant is, not by its position, so the same
        // mutants are chosen again after tests (or other files) change; and it is judged in that
        // order, so a run stopped early has judged a sample too (of fewer mutants).
        return options.Sample <= 0 ? chosen
            : chosen.OrderBy(m => Fnv1a(MutationReport.KeyOf(m))).Take(options.Sample).ToList();
    }

    // The unmutated build, compiled the same way, must pass: otherwise every verdict is void. Its
    // time sets the limit past which a mutant counts as killed by a timeout.
    private async Task<TimeSpan> BaselineAsync(ProjectCompiler compiler, List<TestSuiteRunner> runners)
    {
        var tree = compiler.Tree(Path.Combine(repository, area.Files[0].Path));
        var (image, error) = compiler.Emit(tree, tree);
        if (image is null)
        {
            throw new InvalidOperationException($"The unmutated {area.Project} does not compile in memory: {error}");
        }
        var slowest = TimeSpan.Zero;
        foreach (var runner in runners)
        {
            runner.Install(compiler.AssemblyName, image, []);
            var (code, output, elapsed) = await runner.RunAsync(TimeSpan.FromMinutes(10));
            if (code != 0)
            {
                (code, output, elapsed) = await runner.RunAsync(TimeSpan.FromMinutes(10)); // once more, as for mutants
            }
            if (code != 0)
            {
                throw new InvalidOperationException($"{runner.Name} fails without any mutant (exit {code?.ToString() ?? "timeout"}): {output}");
            }
            Console.WriteLine($"{area.Name}: {runner.Name} passes unmutated in {elapsed.TotalSeconds:F1} s");
            slowest += elapsed;
        }
        return TimeSpan.FromSeconds(slowest.TotalSeconds * options.TimeoutFactor + 20);
    }

    private static async Task<MutantResult> JudgeAsync(ProjectCompiler compiler, List<TestSuiteRunner> runners, List<byte[]> originals, Mutant mutant, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        var original = mutant.Node.SyntaxTree;
        var root = mutant.NewNode is null
            ? original.GetRoot().RemoveNode(mutant.Node, SyntaxRemoveOptions.KeepNoTrivia)!
            : original.GetRoot().ReplaceNode(mutant.Node, mutant.NewNode);
        var mutated = original.WithRootAndOptions(root, original.Options);
        var (image, error) = compiler.Emit(original, mutated);
        if (image is null)
        {
            return new MutantResult(mutant, MutantStatus.CompileError, error, watch.Elapsed);
        }
        for (int i = 0; i < runners.Count; i++)
        {
            runners[i].Install(compiler.AssemblyName, image, originals[i]);
        }
        foreach (var runner in runners)
        {
            var (code, output, _) = await runner.RunAsync(timeout);
            if (code is null)
            {
                // Once more before calling it a timeout: a busy machine (or a run paused with
                // SIGSTOP while something else builds) must not pass for an endless loop.
                (code, output, _) = await runner.RunAsync(timeout);
            }
            if (code is null)
            {
                return new MutantResult(mutant, MutantStatus.Timeout, $"{runner.Name}: past {timeout.TotalSeconds:F0} s", watch.Elapsed);
            }
            if (code != 0)
            {
                return new MutantResult(mutant, MutantStatus.Killed, $"{runner.Name}: {output}", watch.Elapsed);
            }
        }
        return new MutantResult(mutant, MutantStatus.Survived, null, watch.Elapsed);
    }

    private static uint Fnv1a(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 16777619;
        }
        return hash;
    }

    private string Commit()
    {
        try
        {
            var start = new ProcessStartInfo("git", "rev-parse --short HEAD") { WorkingDirectory = repository, RedirectStandardOutput = true };
            using var git = Process.Start(start)!;
            string head = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return head;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
