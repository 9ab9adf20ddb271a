namespace Nvo3.Migration.Transfer;

/// <summary>The first frame of a migration: who moves, how, and how big it is.</summary>
/// <param name="MigrationId">Names the migration in every later query.</param>
/// <param name="Mode">Hot, warm, cold or hot standby.</param>
/// <param name="Workload">The workload's name.</param>
/// <param name="SourceAgent">The sending agent's name.</param>
/// <param name="Shape">The workload's sizes.</param>
public sealed record HelloMessage(Guid MigrationId, MigrationMode Mode, string Workload, string SourceAgent, WorkloadShape Shape)
{
    /// <summary>Encodes into <paramref name="buffer"/>; returns the bytes written.</summary>
    public int Write(Span<byte> buffer)
    {
        var w = new PayloadWriter(buffer);
        w.WriteGuid(MigrationId);
        w.WriteByte((byte)Mode);
        w.WriteString(Workload);
        w.WriteString(SourceAgent);
        w.WriteInt64(Shape.MemoryBytes);
        w.WriteInt32(Migration.Workload.PageSize);
        w.WriteInt64(Shape.DiskBytes);
        w.WriteInt32(Shape.BlockSize);
        w.WriteInt32(Shape.DeviceStateBytes);
        return w.Written;
    }

    /// <summary>The most bytes <see cref="Write"/> needs.</summary>
    public int Size => 16 + 1 + PayloadWriter.StringSize(Workload) + PayloadWriter.StringSize(SourceAgent) + 8 + 4 + 8 + 4 + 4;

    /// <summary>Decodes and validates; throws <see cref="MigrationProtocolException"/>.</summary>
    public static HelloMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, FrameType.Hello);
        var id = r.ReadGuid();
        var mode = (MigrationMode)r.ReadByte();
        string workload = r.ReadString();
        string source = r.ReadString();
        long memory = r.ReadInt64();
        int pageSize = r.ReadInt32();
        long disk = r.ReadInt64();
        int blockSize = r.ReadInt32();
        int device = r.ReadInt32();
        r.End();
        if (!Enum.IsDefined(mode))
        {
            PayloadReader.Throw(FrameType.Hello, $"mode {(byte)mode} is unknown");
        }
        if (pageSize != Migration.Workload.PageSize)
        {
            PayloadReader.Throw(FrameType.Hello, $"page size {pageSize} is not {Migration.Workload.PageSize}");
        }
        if (string.IsNullOrWhiteSpace(workload) || System.Text.Encoding.UTF8.GetByteCount(workload) > Migration.Workload.MaxNameBytes)
        {
            PayloadReader.Throw(FrameType.Hello, "the workload name is empty or too long");
        }
        var shape = new WorkloadShape { MemoryBytes = memory, DiskBytes = disk, BlockSize = blockSize, DeviceStateBytes = device };
        try
        {
            shape.Validate();
        }
        catch (ArgumentException ex)
        {
            PayloadReader.Throw(FrameType.Hello, ex.Message);
        }
        return new HelloMessage(id, mode, workload, source, shape);
    }
}
