namespace Nvo3.Mutation;

/// <summary>
/// One area scored on its own: the files mutated (all in one source project) and the test
/// projects, with their filters, that must kill the mutants.
/// </summary>
/// <param name="Name">The area's name on the command line (<c>--area nva</c>).</param>
/// <param name="Project">The source project that holds every file, relative to the repository.</param>
/// <param name="Files">The files mutated, with the members to keep to where only part of a file counts.</param>
/// <param name="Tests">The test runs that judge each mutant; a mutant is killed when any of them fails.</param>
internal sealed record Area(string Name, string Project, IReadOnlyList<AreaFile> Files, IReadOnlyList<TestSuite> Tests);
