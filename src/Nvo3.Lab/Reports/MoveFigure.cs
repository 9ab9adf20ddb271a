namespace Nvo3.Lab.Reports;

/// <summary>One cell of a move's table row.</summary>
/// <param name="Name">The column, like "PAUSE".</param>
/// <param name="Value">The value as the text table prints it, like "5.7 ms".</param>
public sealed record MoveFigure(string Name, string Value);
