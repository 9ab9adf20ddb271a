namespace Nvo3.Nve;

/// <summary>
/// When an NVE activates a binding that arrives Associated (a migration's destination), as OVN's
/// <c>activation-strategy</c>: on the VM's first announcement of a kind, or at once on resume.
/// </summary>
public enum ActivationStrategy
{
    /// <summary>On the first gratuitous ARP.</summary>
    Garp,
    /// <summary>On the first unsolicited neighbor advertisement.</summary>
    Na,
    /// <summary>On the first RARP announce (QEMU's).</summary>
    Rarp,
    /// <summary>On the first announcement of any kind (the default).</summary>
    Any,
    /// <summary>When the workload resumes here, without waiting for an announcement.</summary>
    Immediate,
}
