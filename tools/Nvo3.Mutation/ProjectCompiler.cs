using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Nvo3.Mutation;

/// <summary>
/// Compiles one source project in memory, as its build does: the compiler arguments come from
/// MSBuild itself (<c>ProvideCommandLineArgs</c> with <c>SkipCompilerExecution</c>), the
/// generators run once on the original, and each mutant replaces one syntax tree and emits.
/// Warnings do not fail a mutant (a removed statement may leave an unused variable); errors do,
/// and such a mutant is not scored.
/// </summary>
internal sealed class ProjectCompiler
{
    private readonly CSharpCompilation _compilation;
    private readonly Dictionary<string, SyntaxTree> _trees;

    private ProjectCompiler(CSharpCompilation compilation, string assemblyName)
    {
        _compilation = compilation;
        AssemblyName = assemblyName;
        _trees = compilation.SyntaxTrees.Where(t => t.FilePath.Length > 0).GroupBy(t => Path.GetFullPath(t.FilePath)).ToDictionary(g => g.Key, g => g.First());
    }

    public string AssemblyName { get; }

    public CSharpParseOptions ParseOptions => (CSharpParseOptions)_compilation.SyntaxTrees[0].Options;

    public static ProjectCompiler Load(string repository, string project)
    {
        var args = CompilerArguments(repository, project);
        string projectDir = Path.GetDirectoryName(Path.GetFullPath(Path.Combine(repository, project)))!;
        var parsed = CSharpCommandLineParser.Default.Parse(args, projectDir, RuntimeEnvironment.GetRuntimeDirectory());
        if (parsed.Errors.Any(e => e.Severity == DiagnosticSeverity.Error))
        {
            throw new InvalidOperationException($"The compiler arguments of {project} do not parse: {parsed.Errors.First(e => e.Severity == DiagnosticSeverity.Error)}");
        }
        var parseOptions = parsed.ParseOptions;
        var trees = parsed.SourceFiles.Select(f => CSharpSyntaxTree.ParseText(
            Microsoft.CodeAnalysis.Text.SourceText.From(File.ReadAllText(f.Path), System.Text.Encoding.UTF8), parseOptions, f.Path)).ToList();
        var references = parsed.MetadataReferences.Select(r => (MetadataReference)MetadataReference.CreateFromFile(r.Reference, r.Properties)).ToList();
        var options = parsed.CompilationOptions
            .WithGeneralDiagnosticOption(ReportDiagnostic.Default)
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>())
            .WithConcurrentBuild(true);
        string assemblyName = parsed.CompilationName ?? Path.GetFileNameWithoutExtension(project);
        var compilation = CSharpCompilation.Create(assemblyName, trees, references, options);

        var loader = new AnalyzerLoader();
        foreach (var a in parsed.AnalyzerReferences)
        {
            loader.AddDependencyLocation(a.FilePath);
        }
        var generators = parsed.AnalyzerReferences
            .SelectMany(a => new AnalyzerFileReference(Path.GetFullPath(a.FilePath, projectDir), loader).GetGenerators(LanguageNames.CSharp))
            .ToList();
        if (generators.Count > 0)
        {
            var driver = CSharpGeneratorDriver.Create(generators, parseOptions: parseOptions);
            driver.RunGeneratorsAndUpdateCompilation(compilation, out var generated, out _);
            compilation = (CSharpCompilation)generated;
        }
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Take(3).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"{project} does not compile in memory: {string.Join("; ", errors)}");
        }
        return new ProjectCompiler(compilation, assemblyName);
    }

    public SyntaxTree Tree(string path) =>
        _trees.TryGetValue(Path.GetFullPath(path), out var tree) ? tree : throw new ArgumentException($"{path} is not compiled in {AssemblyName}.");

    public SemanticModel Model(SyntaxTree tree) => _compilation.GetSemanticModel(tree);

    /// <summary>Emits the project with <paramref name="original"/> replaced by <paramref name="mutated"/>; null and the first error when it does not compile.</summary>
    public (byte[]? Image, string? Error) Emit(SyntaxTree original, SyntaxTree mutated)
    {
        var compilation = _compilation.ReplaceSyntaxTree(original, mutated);
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        if (!result.Success)
        {
            var error = result.Diagnostics.First(d => d.Severity == DiagnosticSeverity.Error);
            return (null, error.ToString());
        }
        return (image.ToArray(), null);
    }

    // The arguments the build would pass to csc, without compiling (the design-time build's way).
    // NonExistentFile is among CoreCompile's inputs (Visual Studio sets it for the same reason):
    // naming a file that does not exist makes the target run rather than be skipped as up to date.
    private static string[] CompilerArguments(string repository, string project)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = repository,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[]
        {
            "msbuild", project, "-nologo", "-t:Compile", "-p:Configuration=Release",
            "-p:ProvideCommandLineArgs=true", "-p:SkipCompilerExecution=true", "-p:BuildProjectReferences=false",
            "-p:NonExistentFile=__NonExistentSubDir__/__NonExistentFile__", "-getItem:CscCommandLineArgs",
        })
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet msbuild {project} failed ({process.ExitCode}): {output}{error}");
        }
        using var json = System.Text.Json.JsonDocument.Parse(output);
        return json.RootElement.GetProperty("Items").GetProperty("CscCommandLineArgs").EnumerateArray()
            .Select(i => i.GetProperty("Identity").GetString()!).ToArray();
    }
}
