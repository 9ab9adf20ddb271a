namespace Nvo3.Lab.Tests;

/// <summary>
/// Tests that demand zero loss of probes sent every millisecond: they run one at a time and never
/// beside another test class, so a busy neighbour cannot starve the probe stream or an NVE's
/// receive loop into a loss that is not the code's.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProbeCollection
{
    public const string Name = "1 ms probes, alone";
}
