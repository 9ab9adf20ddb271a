using Nvo3.Migration.Transfer;

namespace Nvo3.Migration;

/// <summary>
/// A warm checkpoint in progress at the destination: what the source sent since its last complete
/// checkpoint, held aside until <c>StateComplete</c> so a standby always resumes from a whole one.
/// One copy per memory page, disk block and device state: a unit sent twice replaces its copy, so
/// whatever a source streams, what is held never exceeds the workload's declared size.
/// </summary>
internal sealed class StagedCheckpoint
{
    private readonly Dictionary<int, byte[]> _memory = [];
    private readonly Dictionary<int, byte[]> _disk = [];
    private byte[]? _device;

    /// <summary>The bytes held now (at most the workload's memory, disk and device state together).</summary>
    public long Bytes { get; private set; }

    /// <summary>Holds a frame the caller has already checked against <paramref name="image"/>'s shape.</summary>
    public void Add(FrameType type, ReadOnlySpan<byte> payload, Workload image)
    {
        if (type == FrameType.DeviceState)
        {
            Bytes += payload.Length - (_device?.Length ?? 0);
            _device = payload.ToArray();
            return;
        }
        var (units, region) = type == FrameType.Pages ? (_memory, image.Memory) : (_disk, image.Disk);
        var batch = UnitBatch.Read(payload, type, region.UnitSize, region.UnitCount);
        for (int i = 0; i < batch.Count; i++)
        {
            int index = batch.Index(i);
            if (!units.TryGetValue(index, out byte[]? copy))
            {
                copy = new byte[region.UnitSize];
                units[index] = copy;
                Bytes += copy.Length;
            }
            batch.Unit(i).CopyTo(copy);
        }
    }

    /// <summary>Loads what is held into <paramref name="image"/> and forgets it.</summary>
    public void ApplyTo(Workload image)
    {
        if (_device is not null)
        {
            image.LoadDeviceState(_device);
        }
        foreach (var (index, unit) in _memory)
        {
            image.Memory.Load(index, unit);
        }
        foreach (var (index, unit) in _disk)
        {
            image.Disk.Load(index, unit);
        }
        Clear();
    }

    /// <summary>Forgets what is held (a checkpoint cut short).</summary>
    public void Clear()
    {
        _memory.Clear();
        _disk.Clear();
        _device = null;
        Bytes = 0;
    }
}
