namespace Nvo3.Packets;

/// <summary>What <see cref="TcpCoalescer"/> may do with a received frame.</summary>
internal enum GroKind
{
    /// <summary>Not a TCP segment with ports (another protocol, a later IPv4 fragment, IPv6 extension headers): passed through.</summary>
    NotTcp = 0,

    /// <summary>A TCP segment of a known flow that may not be merged: its flow is released first, then it passes through.</summary>
    Unmergeable,

    /// <summary>A TCP segment that passed the checks made before a flow is looked up.</summary>
    Mergeable,
}
