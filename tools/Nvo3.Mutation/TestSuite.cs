namespace Nvo3.Mutation;

/// <summary>A test project and the xunit.v3 filter arguments (<c>-class</c>, <c>-class-</c>, <c>-namespace</c>, <c>-method</c>) that select its tests for an area.</summary>
/// <param name="Project">The test project, relative to the repository.</param>
/// <param name="Filter">Arguments passed to the test executable as they are.</param>
internal sealed record TestSuite(string Project, IReadOnlyList<string> Filter)
{
    /// <summary>The assembly name, which is the project file's name.</summary>
    public string AssemblyName => System.IO.Path.GetFileNameWithoutExtension(Project);
}
