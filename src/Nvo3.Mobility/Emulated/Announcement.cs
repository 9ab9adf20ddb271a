namespace Nvo3.Mobility.Emulated;

/// <summary>How an emulated VM announces itself after it starts or resumes (draft-ietf-nvo3-vmm section 5).</summary>
[Flags]
public enum Announcement
{
    /// <summary>Stays silent (the NVE announces for it after a grace period).</summary>
    None = 0,
    /// <summary>A gratuitous ARP per IPv4 address (Linux's arp_notify).</summary>
    Garp = 1,
    /// <summary>An unsolicited NA to all-nodes per IPv6 address (Linux's ndisc_notify).</summary>
    Na = 2,
    /// <summary>A RARP announce (QEMU after a live migration; it never carries the IP).</summary>
    Rarp = 4,
}
