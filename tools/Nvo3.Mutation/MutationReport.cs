using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nvo3.Mutation;

/// <summary>An area's verdicts, written as text (for a reader) and JSON (for a later run's <c>--since</c>).</summary>
internal sealed class MutationReport(string area, string commit, DateTimeOffset started)
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };
    private readonly List<Row> _rows = [];

    public int Killed => _rows.Count(r => r.Status is MutantStatus.Killed or MutantStatus.Timeout);

    public int Survived => _rows.Count(r => r.Status == MutantStatus.Survived);

    public int NotCompiled => _rows.Count(r => r.Status == MutantStatus.CompileError);

    /// <summary>Killed (timeouts included) over killed plus survived; mutants that do not compile are not scored.</summary>
    public double Score => Killed + Survived == 0 ? 0 : 100.0 * Killed / (Killed + Survived);

    public void Add(MutantResult result, bool carried) => _rows.Add(new Row(
        result.Mutant.Id, result.Mutant.File, result.Mutant.Line, result.Mutant.Kind, result.Mutant.Original, result.Mutant.Replacement,
        result.Status, result.Detail, (long)result.Elapsed.TotalMilliseconds, carried));

    /// <summary>The verdicts of an earlier report by mutant (file, kind, original, replacement and line).</summary>
    public static Dictionary<string, Row> Read(string path)
    {
        var old = JsonSerializer.Deserialize<Saved>(File.ReadAllText(path), s_json) ?? throw new InvalidDataException($"{path} is not a report.");
        return old.Mutants.GroupBy(KeyOf).ToDictionary(g => g.Key, g => g.First());
    }

    public static string KeyOf(Mutant m) => $"{m.File}:{m.Line}:{m.Kind}:{m.Original}:{m.Replacement}";

    private static string KeyOf(Row r) => $"{r.File}:{r.Line}:{r.Kind}:{r.Original}:{r.Replacement}";

    public void Write(string folder, DateTimeOffset finished)
    {
        Directory.CreateDirectory(folder);
        var saved = new Saved(area, commit, started, finished, Math.Round(Score, 1), Killed, Survived, NotCompiled, _rows.Count(r => r.Carried), _rows);
        File.WriteAllText(Path.Combine(folder, area + ".json"), JsonSerializer.Serialize(saved, s_json));
        File.WriteAllText(Path.Combine(folder, area + ".txt"), Text(saved));
    }

    public string Summary() =>
        $"{area}: score {Score:F1} % ({Killed} killed, {Survived} survived, {NotCompiled} not compiled; {_rows.Count(r => r.Carried)} verdicts carried from --since)";

    private string Text(Saved saved)
    {
        var text = new StringBuilder();
        text.AppendLine($"Mutation report: area {area}, commit {commit}, {started:u} to {saved.Finished:u}");
        text.AppendLine(Summary());
        text.AppendLine();
        text.AppendLine("Surviving mutants (each is killed by a test or explained in docs/testing.md):");
        foreach (var r in _rows.Where(r => r.Status == MutantStatus.Survived))
        {
            text.AppendLine($"  {r.File}:{r.Line}: {r.Kind}: {r.Original} -> {r.Replacement}");
        }
        text.AppendLine();
        text.AppendLine("Every mutant:");
        foreach (var r in _rows)
        {
            text.AppendLine($"  {r.Status,-12} {r.File}:{r.Line}: {r.Kind}: {r.Original} -> {r.Replacement}{(r.Carried ? " (carried)" : "")}{(r.Detail is null ? "" : "  [" + r.Detail + "]")}");
        }
        return text.ToString();
    }

    /// <summary>One mutant's line in the report.</summary>
    internal sealed record Row(int Id, string File, int Line, string Kind, string Original, string Replacement, MutantStatus Status, string? Detail, long ElapsedMs, bool Carried);

    private sealed record Saved(string Area, string Commit, DateTimeOffset Started, DateTimeOffset Finished, double Score, int Killed, int Survived, int NotCompiled, int Carried, IReadOnlyList<Row> Mutants);
}
