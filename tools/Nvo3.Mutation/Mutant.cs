using Microsoft.CodeAnalysis;

namespace Nvo3.Mutation;

/// <summary>One change to one file: the node replaced and what replaces it.</summary>
/// <param name="Id">Stable within a run: the file's order, then the position.</param>
/// <param name="File">Relative to the repository.</param>
/// <param name="Line">1-based.</param>
/// <param name="Kind">The operator (equality, relational, logical, arithmetic, negation, literal, statement, return).</param>
/// <param name="Original">The code before, on one line.</param>
/// <param name="Replacement">The code after, on one line.</param>
/// <param name="Node">The node in the original tree.</param>
/// <param name="NewNode">What replaces it (null removes a statement).</param>
internal sealed record Mutant(int Id, string File, int Line, string Kind, string Original, string Replacement, SyntaxNode Node, SyntaxNode? NewNode)
{
    /// <summary>file:line: kind original → replacement, as the report prints it.</summary>
    public string Describe() => $"{File}:{Line}: {Kind}: {Original} -> {Replacement}";
}
