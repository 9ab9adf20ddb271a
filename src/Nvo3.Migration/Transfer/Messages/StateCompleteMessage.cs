namespace Nvo3.Migration.Transfer;

/// <summary>
/// The state sent so far is complete and consistent: at a switchover (sequence 0) or as
/// checkpoint number <see cref="Sequence"/>. Carries the source's state hash at that instant.
/// </summary>
/// <param name="Sequence">0 for a move; the checkpoint number for a standby.</param>
/// <param name="Hash">The source's state hash.</param>
public sealed record StateCompleteMessage(ulong Sequence, StateHash Hash)
{
    /// <summary>Payload size.</summary>
    public const int Size = 24;

    /// <summary>Encodes into <paramref name="buffer"/>; returns the bytes written.</summary>
    public int Write(Span<byte> buffer)
    {
        var w = new PayloadWriter(buffer);
        w.WriteUInt64(Sequence);
        w.WriteUInt128(Hash.Value);
        return w.Written;
    }

    /// <summary>Decodes; throws <see cref="MigrationProtocolException"/>.</summary>
    public static StateCompleteMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, FrameType.StateComplete);
        var message = new StateCompleteMessage(r.ReadUInt64(), new StateHash(r.ReadUInt128()));
        r.End();
        return message;
    }
}
