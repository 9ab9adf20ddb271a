namespace Nvo3.Migration;

/// <summary>
/// Receives every write of a workload protected by a hot standby. <see cref="Record"/> runs under
/// the workload's write gate, in write order; <see cref="FlushAsync"/> returns once everything
/// recorded before it is applied at the standby.
/// </summary>
internal interface IWriteReplicator
{
    void Record(WriteTarget target, long offset, ReadOnlySpan<byte> data);

    ValueTask FlushAsync(CancellationToken cancellationToken);
}
