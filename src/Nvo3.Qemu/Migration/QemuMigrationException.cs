namespace Nvo3.Qemu.Migration;

/// <summary>
/// A migration did not complete: QEMU reported it failed or cancelled (its reason in the
/// message), or a step of the choreography could not run. Where the guest runs is in
/// <see cref="SourceStillRuns"/> when it was known.
/// </summary>
public sealed class QemuMigrationException : IOException
{
    /// <summary>Creates the exception with QEMU's last status.</summary>
    public QemuMigrationException(string message, string status, bool? sourceStillRuns = null)
        : base(message)
    {
        Status = status;
        SourceStillRuns = sourceStillRuns;
    }

    /// <summary>The migration status QEMU reported last (failed, cancelled…).</summary>
    public string Status { get; }

    /// <summary>True when the source guest was seen running afterwards; null when not checked.</summary>
    public bool? SourceStillRuns { get; }
}
