using System.Buffers.Binary;

namespace Nvo3.Migration.Transfer;

/// <summary>
/// A batch of replicated writes for a hot standby:
/// <code>u64 sequence, u32 count, count × (u8 target, u64 offset, u32 length, length bytes)</code>
/// The primary's replicator appends entries in write order (<see cref="AppendEntry"/>); the
/// standby checks the whole batch before it applies any of it, so a malformed batch changes nothing.
/// </summary>
public static class WriteBatch
{
    /// <summary>Bytes before the entries.</summary>
    public const int FixedSize = 12;

    /// <summary>Bytes of an entry's fields before its data.</summary>
    public const int EntryOverhead = 13;

    /// <summary>Appends one entry to <paramref name="log"/>.</summary>
    public static void AppendEntry(System.Buffers.ArrayBufferWriter<byte> log, WriteTarget target, long offset, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(log);
        var span = log.GetSpan(EntryOverhead + data.Length);
        span[0] = (byte)target;
        BinaryPrimitives.WriteInt64BigEndian(span[1..], offset);
        BinaryPrimitives.WriteInt32BigEndian(span[9..], data.Length);
        data.CopyTo(span[EntryOverhead..]);
        log.Advance(EntryOverhead + data.Length);
    }

    /// <summary>Writes the fixed fields in front of <paramref name="count"/> entries.</summary>
    public static void WriteHeader(Span<byte> buffer, ulong sequence, int count)
    {
        BinaryPrimitives.WriteUInt64BigEndian(buffer, sequence);
        BinaryPrimitives.WriteInt32BigEndian(buffer[8..], count);
    }

    /// <summary>Checks the batch against <paramref name="workload"/>'s sizes, then applies every write; returns the sequence. Throws <see cref="MigrationProtocolException"/> before changing anything.</summary>
    public static ulong Apply(ReadOnlySpan<byte> payload, Workload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ulong sequence = Walk(payload, workload, apply: false);
        Walk(payload, workload, apply: true);
        return sequence;
    }

    private static ulong Walk(ReadOnlySpan<byte> payload, Workload workload, bool apply)
    {
        if (payload.Length < FixedSize)
        {
            PayloadReader.Throw(FrameType.Writes, "it is shorter than its fixed fields");
        }
        ulong sequence = BinaryPrimitives.ReadUInt64BigEndian(payload);
        uint count = BinaryPrimitives.ReadUInt32BigEndian(payload[8..]);
        int at = FixedSize;
        for (uint i = 0; i < count; i++)
        {
            if (payload.Length - at < EntryOverhead)
            {
                PayloadReader.Throw(FrameType.Writes, $"entry {i} of {count} is cut short");
            }
            var target = (WriteTarget)payload[at];
            long offset = BinaryPrimitives.ReadInt64BigEndian(payload[(at + 1)..]);
            int length = BinaryPrimitives.ReadInt32BigEndian(payload[(at + 9)..]);
            long size = target switch
            {
                WriteTarget.Memory => workload.Memory.SizeBytes,
                WriteTarget.Disk => workload.Disk.SizeBytes,
                WriteTarget.Device => workload.DeviceState.Length,
                _ => -1,
            };
            if (size < 0)
            {
                PayloadReader.Throw(FrameType.Writes, $"entry {i} names an unknown target {(byte)target}");
            }
            if (length < 0 || length > payload.Length - at - EntryOverhead || offset < 0 || offset > size - length)
            {
                PayloadReader.Throw(FrameType.Writes, $"entry {i} ({length} bytes at {offset}) falls outside the payload or the {target}");
            }
            if (apply)
            {
                workload.ApplyReplicated(target, offset, payload.Slice(at + EntryOverhead, length));
            }
            at += EntryOverhead + length;
        }
        if (at != payload.Length)
        {
            PayloadReader.Throw(FrameType.Writes, $"{payload.Length - at} bytes are left over");
        }
        return sequence;
    }
}
