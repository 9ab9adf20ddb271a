namespace Nvo3.Mutation;

/// <summary>A mutant's verdict, with the test run that decided it and how long it took.</summary>
internal sealed record MutantResult(Mutant Mutant, MutantStatus Status, string? Detail, TimeSpan Elapsed);
