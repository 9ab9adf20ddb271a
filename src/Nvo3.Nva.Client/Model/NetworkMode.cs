namespace Nvo3.Nva;

/// <summary>How a virtual network carries tenant traffic (draft-ietf-nvo3-vmm section 4).</summary>
public enum NetworkMode
{
    /// <summary>Layer 2: Ethernet frames in VXLAN; ARP and ND answered by the NVE.</summary>
    L2,
    /// <summary>Layer 3: IP packets in VXLAN-GPE without Ethernet; anycast gateway; ILA for IPv6.</summary>
    L3,
}
