namespace Nvo3.Migration.Transfer;

/// <summary>The destination applied the state up to <see cref="Sequence"/> and hashed it.</summary>
/// <param name="Sequence">The sequence of the <see cref="StateCompleteMessage"/> it answers.</param>
/// <param name="Verified">True when its hash equals the source's.</param>
/// <param name="Hash">The destination's hash.</param>
public sealed record ReadyMessage(ulong Sequence, bool Verified, StateHash Hash)
{
    /// <summary>Payload size.</summary>
    public const int Size = 25;

    /// <summary>Encodes into <paramref name="buffer"/>; returns the bytes written.</summary>
    public int Write(Span<byte> buffer)
    {
        var w = new PayloadWriter(buffer);
        w.WriteUInt64(Sequence);
        w.WriteByte(Verified ? (byte)1 : (byte)0);
        w.WriteUInt128(Hash.Value);
        return w.Written;
    }

    /// <summary>Decodes; throws <see cref="MigrationProtocolException"/>.</summary>
    public static ReadyMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, FrameType.Ready);
        ulong sequence = r.ReadUInt64();
        byte verified = r.ReadByte();
        var hash = new StateHash(r.ReadUInt128());
        r.End();
        if (verified > 1)
        {
            PayloadReader.Throw(FrameType.Ready, "the verified flag is neither 0 nor 1");
        }
        return new ReadyMessage(sequence, verified == 1, hash);
    }
}
