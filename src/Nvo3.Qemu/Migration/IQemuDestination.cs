namespace Nvo3.Qemu.Migration;

/// <summary>
/// The receiving end of a <see cref="QemuMigration"/>: a QEMU started with <c>-incoming defer</c>
/// and the same device model, in this process (<see cref="LocalQemuDestination"/>) or in another
/// one reached through its host's agent.
/// </summary>
public interface IQemuDestination
{
    /// <summary>Its name, for messages.</summary>
    string Name { get; }

    /// <summary>
    /// Sets the capabilities (<see cref="QemuMigration.CapabilitiesFor"/>), exports the disk over NBD
    /// when asked, and listens for the stream (<c>migrate-incoming</c>); returns where.
    /// </summary>
    Task<QemuIncoming> ListenAsync(QemuListenRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until its incoming migration completed (throws <see cref="QemuMigrationException"/> when
    /// it failed), stops the NBD server after a mirror, and continues the guest when
    /// <paramref name="continueGuest"/> (a cold move: the source was stopped).
    /// </summary>
    Task CompleteAsync(bool continueGuest, CancellationToken cancellationToken);
}
