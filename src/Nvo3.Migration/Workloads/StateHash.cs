using System.Globalization;
using System.IO.Hashing;

namespace Nvo3.Migration;

/// <summary>
/// A 128-bit XxHash of a workload's whole state: memory, disk and device state, each preceded by
/// its length. The source takes it at pause, the destination before it resumes; equal hashes
/// verify a transfer end to end. (XxHash128, not SHA-256: it runs inside the pause, and it guards
/// against bugs, not adversaries; every frame already carries its own checksum.)
/// </summary>
/// <param name="Value">The hash.</param>
public readonly record struct StateHash(UInt128 Value)
{
    /// <summary>Hashes the workload's state as it is now: call it while the workload does not run.</summary>
    public static StateHash Compute(Workload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var hash = new XxHash128();
        Span<byte> length = stackalloc byte[8];
        Append(hash, length, workload.Memory.Content);
        Append(hash, length, workload.Disk.Content);
        Append(hash, length, workload.DeviceState);
        return new StateHash(hash.GetCurrentHashAsUInt128());
    }

    private static void Append(XxHash128 hash, Span<byte> length, ReadOnlySpan<byte> data)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(length, data.Length);
        hash.Append(length);
        // XxHash128 takes any length, but slices keep one call's work bounded for very large regions.
        const int Slice = 64 << 20;
        for (int i = 0; i < data.Length; i += Slice)
        {
            hash.Append(data.Slice(i, Math.Min(Slice, data.Length - i)));
        }
    }

    /// <summary>32 hex digits.</summary>
    public override string ToString() => Value.ToString("x32", CultureInfo.InvariantCulture);
}
