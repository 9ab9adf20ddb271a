namespace Nvo3.Cli.Tests;

/// <summary>Tests that redirect the process's Console: they run one at a time.</summary>
[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;
