namespace Nvo3.Nve;

/// <summary>What the old place does with traffic for a stopped task (draft-ietf-nvo3-vmm 4.2.1).</summary>
public enum SuspendPolicy
{
    /// <summary>Drop it (counted as <see cref="DropReason.NotHere"/>); the sender's transport retries.</summary>
    Drop,
    /// <summary>Answer each packet with ICMP or ICMPv6 destination unreachable from the anycast gateway (Layer 3).</summary>
    Unreachable,
}
