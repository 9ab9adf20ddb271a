namespace Nvo3.Nve;

/// <summary>How an NVE learns where remote bindings are.</summary>
public enum UpdateMode
{
    /// <summary>Ask the NVA when an entry is missing or its lifetime ran out (the draft's ARP-timeout behaviour).</summary>
    Pull,
    /// <summary>Follow the NVA's watch and update entries the moment a binding moves.</summary>
    Push,
}
