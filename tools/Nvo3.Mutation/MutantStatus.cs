namespace Nvo3.Mutation;

/// <summary>What became of a mutant.</summary>
internal enum MutantStatus
{
    /// <summary>A test failed.</summary>
    Killed,
    /// <summary>The tests ran past the time limit (an infinite loop, a wait that never ends): counted as killed.</summary>
    Timeout,
    /// <summary>Every test passed.</summary>
    Survived,
    /// <summary>The mutant does not compile; not scored.</summary>
    CompileError,
}
