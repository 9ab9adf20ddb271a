using Nvo3.Mutation;

// Finds the repository from the working folder, reads the areas, and scores each one asked for.
string? repository = Directory.GetCurrentDirectory();
while (repository is not null && !File.Exists(Path.Combine(repository, "Nvo3.slnx")))
{
    repository = Path.GetDirectoryName(repository);
}
if (repository is null)
{
    Console.Error.WriteLine("nvo3-mutate: run it inside the repository (no Nvo3.slnx above the working folder).");
    return 2;
}
MutationOptions options;
AreaCatalog catalog;
try
{
    options = MutationOptions.Parse(args, repository);
    catalog = AreaCatalog.Load(options.AreasFile ?? Path.Combine(AppContext.BaseDirectory, "areas.json"));
    foreach (var name in options.Areas.Where(a => a != "all"))
    {
        catalog.Find(name);
    }
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"nvo3-mutate: {e.Message}");
    Console.Error.WriteLine(MutationOptions.Usage);
    return 2;
}
var areas = options.Areas.Contains("all") ? catalog.Areas : options.Areas.Select(catalog.Find).ToList();
var summaries = new List<string>();
foreach (var area in areas)
{
    var report = await new AreaRun(repository, area, options).RunAsync();
    if (!options.ListOnly)
    {
        summaries.Add(report.Summary());
        Console.WriteLine(report.Summary());
    }
}
if (summaries.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine($"Reports in {options.Output}:");
    summaries.ForEach(s => Console.WriteLine("  " + s));
}
return 0;
