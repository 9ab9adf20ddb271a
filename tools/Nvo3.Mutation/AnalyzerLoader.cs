using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;

namespace Nvo3.Mutation;

/// <summary>Loads the source generators a project's build uses (LoggerMessage, LibraryImport, …) into this process.</summary>
internal sealed class AnalyzerLoader : IAnalyzerAssemblyLoader
{
    private readonly Dictionary<string, string> _byName = new(StringComparer.OrdinalIgnoreCase);

    public AnalyzerLoader() => AssemblyLoadContext.Default.Resolving += (_, name) =>
        name.Name is { } simple && _byName.TryGetValue(simple, out var path) ? AssemblyLoadContext.Default.LoadFromAssemblyPath(path) : null;

    public void AddDependencyLocation(string fullPath) => _byName.TryAdd(Path.GetFileNameWithoutExtension(fullPath), fullPath);

    public Assembly LoadFromPath(string fullPath)
    {
        AddDependencyLocation(fullPath);
        // An assembly the tool already has (Roslyn itself, the BCL) is used as it is.
        var name = AssemblyName.GetAssemblyName(fullPath);
        var loaded = AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => AssemblyName.ReferenceMatchesDefinition(a.GetName(), name));
        return loaded ?? AssemblyLoadContext.Default.LoadFromAssemblyPath(fullPath);
    }
}
