namespace Nvo3.Nve;

/// <summary>
/// The NVE's side of a tenant system's interface: an in-memory wire to an emulated VM, or a TAP
/// device to a real one. One receive loop calls <see cref="Receive"/>; any thread may call
/// <see cref="Send"/>.
/// </summary>
public interface ITenantPort : IDisposable
{
    /// <summary>A name for logs.</summary>
    string Name { get; }

    /// <summary>
    /// Waits for at least one frame, then reads as many as are ready (up to the batch's capacity)
    /// into <paramref name="batch"/>; returns how many. Returns 0 when the port is closed.
    /// </summary>
    int Receive(FrameBatch batch, CancellationToken cancellationToken);

    /// <summary>Hands one frame to the tenant; false when the port's queue is full (the frame is dropped).</summary>
    bool Send(ReadOnlySpan<byte> frame);
}
