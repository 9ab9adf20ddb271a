namespace Nvo3.Nva;

/// <summary>Why the NVA refused a request; each maps to one gRPC status code.</summary>
public enum NvaError
{
    /// <summary>A field is malformed, missing or out of range. Fix the request.</summary>
    InvalidArgument,
    /// <summary>An unknown VNI, NVE, binding or migration.</summary>
    NotFound,
    /// <summary>A VNI, NVE name, MAC, IP or workload name that is taken.</summary>
    AlreadyExists,
    /// <summary>The rules refuse in the current state (sticky, frozen duplicate, stale claim, lost tie, wrong phase).</summary>
    FailedPrecondition,
    /// <summary>Concurrent changes kept winning; re-read and retry.</summary>
    Aborted,
    /// <summary>The NVA could not be reached (client side only).</summary>
    Unavailable,
    /// <summary>The caller's certificate does not allow this (an NVE acting for another, or an operator's task).</summary>
    PermissionDenied,
}
