namespace Nvo3.Nve;

/// <summary>Why the NVE dropped a frame or packet; each has its own counter.</summary>
public enum DropReason
{
    /// <summary>Too short, or a header that does not parse.</summary>
    Malformed,
    /// <summary>VXLAN flags wrong or reserved bits set.</summary>
    BadVxlan,
    /// <summary>A VNI the directory does not know.</summary>
    UnknownVni,
    /// <summary>From an underlay address that is not a registered NVE.</summary>
    UnknownSender,
    /// <summary>A tenant frame whose source MAC or IP is not its port's binding.</summary>
    SourceGuard,
    /// <summary>An announcement claiming an address that is not the VM's own.</summary>
    ForeignClaim,
    /// <summary>The NVA refused the NVE's claim (sticky, frozen, stale, lost tie).</summary>
    ClaimRefused,
    /// <summary>For a binding that is not here and has no redirect (or redirects are off).</summary>
    NotHere,
    /// <summary>For a destination the directory does not know.</summary>
    UnknownDestination,
    /// <summary>An ARP request or NS for an address the directory does not know (answered by nobody, never flooded).</summary>
    UnknownAddress,
    /// <summary>The activation buffer was full.</summary>
    ActivationBufferFull,
    /// <summary>Buffered for an activation that did not come in time.</summary>
    ActivationTimeout,
    /// <summary>Waiting on a look-up that failed, was refused or overflowed.</summary>
    LookupFailed,
    /// <summary>A tenant port's queue was full.</summary>
    PortFull,
    /// <summary>The underlay socket refused the send.</summary>
    SendFailed,
    /// <summary>A redirected packet that would go back where it came from.</summary>
    RedirectLoop,
    /// <summary>Multicast the NVE does not carry (MLD, router solicitations), or traffic a Layer-3 network has no place for.</summary>
    Unsupported,
    /// <summary>A routed packet whose TTL or hop limit ran out at the gateway (a time exceeded goes back to its sender).</summary>
    HopLimitExceeded,
    /// <summary>An ILA translation refused the address (a locator that is not this NVE's, a zero low word, no locator known).</summary>
    IlaRefused,
}
