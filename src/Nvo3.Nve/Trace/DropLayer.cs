namespace Nvo3.Nve;

/// <summary>What the bytes of a traced drop start with.</summary>
public enum DropLayer : byte
{
    /// <summary>No bytes: the drop site had no frame at hand (a timer, a batch of held frames).</summary>
    None,
    /// <summary>An Ethernet frame (from a tenant port, or a Layer-2 packet on its way).</summary>
    Ethernet,
    /// <summary>An IP packet without an Ethernet header (a Layer-3 network's packet on its way).</summary>
    Ip,
    /// <summary>A UDP payload from the underlay: a VXLAN or VXLAN-GPE header and what it carries.</summary>
    Underlay,
}
