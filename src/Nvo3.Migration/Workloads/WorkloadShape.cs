namespace Nvo3.Migration;

/// <summary>The sizes of a workload's state.</summary>
public sealed record WorkloadShape
{
    /// <summary>Memory in bytes, a multiple of <see cref="Workload.PageSize"/>. Default 64 MiB.</summary>
    public long MemoryBytes { get; init; } = 64L << 20;

    /// <summary>Disk in bytes, a multiple of <see cref="BlockSize"/>; 0 for none. Default 0.</summary>
    public long DiskBytes { get; init; }

    /// <summary>Disk block size (QEMU's mirror granularity). A power of two up to 1 MiB. Default 64 KiB.</summary>
    public int BlockSize { get; init; } = 64 << 10;

    /// <summary>Bytes of opaque device and CPU state. Default 4 KiB.</summary>
    public int DeviceStateBytes { get; init; } = 4096;

    /// <summary>The most a disk block may be: it must fit in one frame with room to spare.</summary>
    public const int MaxBlockSize = 1 << 20;

    /// <summary>The most device state may be.</summary>
    public const int MaxDeviceStateBytes = 1 << 20;

    /// <summary>Throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public void Validate()
    {
        if (MemoryBytes <= 0 || MemoryBytes % Workload.PageSize != 0 || MemoryBytes > Array.MaxLength)
        {
            throw new ArgumentException($"Memory must be a positive multiple of {Workload.PageSize} bytes, at most {Array.MaxLength}; it is {MemoryBytes}.", nameof(MemoryBytes));
        }
        if (BlockSize < Workload.PageSize || BlockSize > MaxBlockSize || !int.IsPow2(BlockSize))
        {
            throw new ArgumentException($"The block size must be a power of two from {Workload.PageSize} to {MaxBlockSize}; it is {BlockSize}.", nameof(BlockSize));
        }
        if (DiskBytes < 0 || DiskBytes % BlockSize != 0 || DiskBytes > Array.MaxLength)
        {
            throw new ArgumentException($"The disk must be a multiple of the block size ({BlockSize}), at most {Array.MaxLength}; it is {DiskBytes}.", nameof(DiskBytes));
        }
        if (DeviceStateBytes < 0 || DeviceStateBytes > MaxDeviceStateBytes)
        {
            throw new ArgumentException($"Device state must be 0 to {MaxDeviceStateBytes} bytes; it is {DeviceStateBytes}.", nameof(DeviceStateBytes));
        }
    }
}
