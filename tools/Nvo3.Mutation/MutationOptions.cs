namespace Nvo3.Mutation;

/// <summary>The command line.</summary>
internal sealed record MutationOptions(IReadOnlyList<string> Areas, string Output, string Scratch, string? Since, bool ListOnly, double TimeoutFactor,
    IReadOnlyList<string> ExtraFilter, IReadOnlyList<string> Only, int Sample, string? AreasFile)
{
    public const string Usage = """
        nvo3-mutate: mutation testing of chosen areas, one mutant at a time.
        usage: dotnet run --project tools/Nvo3.Mutation -c Release -- --area NAME [--area NAME]... [options]
          --area NAME        an area of areas.json (nva, nve, ila, migration), or all
          --out DIR          where the reports go (default artifacts/mutation): AREA.txt and AREA.json
          --since DIR        take the killed verdicts of the reports in DIR and run only the rest
          --list             list the mutants and stop
          --areas FILE       areas from FILE instead of the tool's areas.json (for a one-off check)
          --timeout-factor F a mutant's tests may take F times the unmutated run, plus 20 s (default 3)
          --filter ARG       an xunit.v3 filter argument added to every test run of the area, e.g.
                             --filter -class- --filter NAME to leave a class out, or --filter -class
                             --filter NAME to judge by one class alone (repeat for each word)
          --sample N         judge a fixed sample of N mutants per area (the same N for the same
                             code, so before and after compare); 0, the default, judges them all
          --only FILE:LINE   only the mutants on that line (FILE is the end of the path); repeatable:
                             how to see which test fails when one line's mechanism is removed
        The test projects must be built in Release first (tools/mutate.sh does it).
        """;

    public static MutationOptions Parse(string[] args, string repository)
    {
        var areas = new List<string>();
        string output = Path.Combine(repository, "artifacts", "mutation");
        string? since = null;
        bool list = false;
        double factor = 3;
        var filter = new List<string>();
        var only = new List<string>();
        int sample = 0;
        string? areasFile = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--area": areas.Add(Next()); break;
                case "--out": output = Path.GetFullPath(Next()); break;
                case "--since": since = Path.GetFullPath(Next()); break;
                case "--list": list = true; break;
                case "--areas": areasFile = Path.GetFullPath(Next()); break;
                case "--filter": filter.Add(Next()); break;
                case "--only": only.Add(Next()); break;
                case "--sample": sample = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--timeout-factor": factor = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown argument {args[i]}.");
            }
        }
        if (areas.Count == 0)
        {
            throw new ArgumentException("Name at least one --area.");
        }
        return new MutationOptions(areas, output, Path.Combine(Path.GetTempPath(), "nvo3-mutation"), since, list, factor, filter, only, sample, areasFile);
    }
}
