using System.Text.Json;

namespace Nvo3.Mutation;

/// <summary>The areas of <c>areas.json</c>, read once.</summary>
internal sealed record AreaCatalog(IReadOnlyList<Area> Areas)
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip };

    public static AreaCatalog Load(string path) =>
        JsonSerializer.Deserialize<AreaCatalog>(File.ReadAllText(path), s_json)
        ?? throw new InvalidDataException($"{path} holds no areas.");

    public Area Find(string name) =>
        Areas.FirstOrDefault(a => a.Name == name)
        ?? throw new ArgumentException($"No area '{name}'; areas: {string.Join(", ", Areas.Select(a => a.Name))}.");
}
