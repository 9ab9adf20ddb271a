namespace Nvo3.Security;

/// <summary>What a certificate's holder is in the overlay; the role decides what it may do.</summary>
public enum PeerRole
{
    /// <summary>An NVA replica (the directory): <c>nvo3://nva/NAME</c>.</summary>
    Nva,

    /// <summary>An NVE and the agent beside it, on one server: <c>nvo3://nve/NAME</c>. It acts only as itself.</summary>
    Nve,

    /// <summary>A person or tool that administers the overlay: <c>nvo3://operator/NAME</c>.</summary>
    Operator,
}
