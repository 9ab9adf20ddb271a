namespace Nvo3.Nva;

/// <summary>What caused a binding's last activation.</summary>
public enum MoveTrigger
{
    /// <summary>An API call (attach, orchestration).</summary>
    Api,
    /// <summary>A gratuitous ARP from the VM.</summary>
    Garp,
    /// <summary>An unsolicited neighbor advertisement from the VM.</summary>
    Na,
    /// <summary>A RARP announce from the VM (QEMU after a live migration).</summary>
    Rarp,
    /// <summary>The NVE's activation strategy <c>immediate</c>: activated when the VM resumed, without waiting for an announcement.</summary>
    Immediate,
    /// <summary>A standby took over after its primary failed.</summary>
    Failover,
}
