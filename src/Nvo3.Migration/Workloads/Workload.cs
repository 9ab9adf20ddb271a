namespace Nvo3.Migration;

/// <summary>
/// A VM or task as the migration agent sees it: a name, memory in 4 KiB pages, a disk in blocks,
/// opaque device/CPU state, and a state (<see cref="WorkloadState"/>). Memory and disk track
/// dirty units for pre-copy and mirroring.
/// </summary>
/// <remarks>
/// Every change goes through the <c>TryWrite…</c> methods, which take the workload's gate and
/// refuse unless it runs; <see cref="Pause"/> takes the same gate, so once it returns no write is
/// in progress and none will happen until <see cref="Resume"/>: a paused workload never changes.
/// Transfers read memory and disk without the gate (see <see cref="DirtyBitmap"/> for why that
/// is safe) and load received units through internal methods that only copies that do not run use.
/// </remarks>
public sealed class Workload
{
    /// <summary>The page size: 4 KiB.</summary>
    public const int PageSize = 4096;

    private readonly Lock _gate = new();
    private readonly byte[] _deviceState;
    private WorkloadState _state;
    private bool _handingOver;
    private double _throttle;
    private IWriteReplicator? _replicator;

    /// <summary>A new workload with zeroed state, in <paramref name="initialState"/>.</summary>
    public Workload(string name, WorkloadShape shape, WorkloadState initialState = WorkloadState.Running)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            throw new ArgumentException($"The name must be at most {MaxNameBytes} UTF-8 bytes.", nameof(name));
        }
        Name = name;
        Shape = shape;
        Memory = new TrackedRegion(shape.MemoryBytes, PageSize);
        Disk = new TrackedRegion(shape.DiskBytes, shape.BlockSize);
        _deviceState = new byte[shape.DeviceStateBytes];
        _state = initialState;
    }

    /// <summary>The longest name, in UTF-8 bytes.</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Its name, unique among the workloads of one agent.</summary>
    public string Name { get; }

    /// <summary>Its sizes.</summary>
    public WorkloadShape Shape { get; }

    /// <summary>Memory: 4 KiB pages with dirty tracking.</summary>
    public TrackedRegion Memory { get; }

    /// <summary>Disk: blocks with their own dirty bitmap, for the mirror.</summary>
    public TrackedRegion Disk { get; }

    /// <summary>The device and CPU state (read-only view; it changes only while the workload runs).</summary>
    public ReadOnlySpan<byte> DeviceState => _deviceState;

    /// <summary>Where it stands.</summary>
    public WorkloadState State { get { lock (_gate) { return _state; } } }

    /// <summary>
    /// The share of its activity held back (0 to 0.99): auto-converge raises it to slow the
    /// dirtying when pre-copy does not converge, as QEMU throttles vCPUs.
    /// </summary>
    public double Throttle
    {
        get => Volatile.Read(ref _throttle);
        set => Volatile.Write(ref _throttle, Math.Clamp(value, 0, 0.99));
    }

    /// <summary>Raised after each change of <see cref="State"/>, on the thread that made it.</summary>
    public event Action<Workload, WorkloadState>? StateChanged;

    /// <summary>Fills memory and disk with pseudo-random bytes from <paramref name="seed"/> (content to move, dirtying nothing).</summary>
    public void Fill(int seed)
    {
        lock (_gate)
        {
            Memory.Fill(seed);
            Disk.Fill(seed ^ 0x5bd1e995);
            new Random(seed).NextBytes(_deviceState);
        }
    }

    /// <summary>Writes memory; false when the workload does not run (nothing is written then).</summary>
    public bool TryWriteMemory(long offset, ReadOnlySpan<byte> data) => TryWrite(WriteTarget.Memory, offset, data);

    /// <summary>Writes the disk; false when the workload does not run.</summary>
    public bool TryWriteDisk(long offset, ReadOnlySpan<byte> data) => TryWrite(WriteTarget.Disk, offset, data);

    /// <summary>Writes device state; false when the workload does not run.</summary>
    public bool TryWriteDeviceState(int offset, ReadOnlySpan<byte> data) => TryWrite(WriteTarget.Device, offset, data);

    private bool TryWrite(WriteTarget target, long offset, ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            if (_state != WorkloadState.Running)
            {
                return false;
            }
            switch (target)
            {
                case WriteTarget.Memory:
                    Memory.Write(offset, data);
                    break;
                case WriteTarget.Disk:
                    Disk.Write(offset, data);
                    break;
                default:
                    if (offset < 0 || offset + data.Length > _deviceState.Length)
                    {
                        throw new ArgumentOutOfRangeException(nameof(offset), offset, $"The write of {data.Length} bytes falls outside the {_deviceState.Length} bytes of device state.");
                    }
                    data.CopyTo(_deviceState.AsSpan((int)offset));
                    break;
            }
            _replicator?.Record(target, offset, data);
            return true;
        }
    }

    /// <summary>
    /// Returns once every write made so far is safe: at once for a workload without a hot
    /// standby; with one, after the standby applied them. The workload's activity calls it after
    /// each batch of writes and treats the batch as done only then (output commit).
    /// </summary>
    public ValueTask FlushWritesAsync(CancellationToken cancellationToken = default)
    {
        var replicator = Volatile.Read(ref _replicator);
        return replicator is null ? ValueTask.CompletedTask : replicator.FlushAsync(cancellationToken);
    }

    /// <summary>Stops its activity; once this returns, nothing changes it. False when it was not running.</summary>
    public bool Pause() => Transition(WorkloadState.Paused, static s => s == WorkloadState.Running);

    /// <summary>Runs it (from Paused or Standby). Throws when it was stopped or handed over: such a copy never runs again.</summary>
    public void Resume()
    {
        lock (_gate)
        {
            if (_state == WorkloadState.Stopped || _handingOver)
            {
                throw new InvalidOperationException($"The workload '{Name}' was stopped or handed over here; it never runs again at this agent.");
            }
            if (_state == WorkloadState.Running)
            {
                return;
            }
            _state = WorkloadState.Running;
        }
        StateChanged?.Invoke(this, WorkloadState.Running);
    }

    /// <summary>Ends it here for good.</summary>
    public void Stop() => Transition(WorkloadState.Stopped, static s => s != WorkloadState.Stopped);

    /// <summary>An incoming copy becomes a standby (it holds complete state).</summary>
    internal void MakeStandby() => Transition(WorkloadState.Standby, static s => s == WorkloadState.Paused);

    /// <summary>The source sent the activation: from here on it must not resume, whatever happens to the connection.</summary>
    internal void BeginHandOver()
    {
        lock (_gate)
        {
            _handingOver = true;
        }
    }

    /// <summary>The destination confirmed that it discarded its copy without running it: the source may run again.</summary>
    internal void CancelHandOver()
    {
        lock (_gate)
        {
            _handingOver = false;
        }
    }

    internal void AttachReplicator(IWriteReplicator? replicator)
    {
        lock (_gate)
        {
            _replicator = replicator;
        }
    }

    internal void DetachReplicator(IWriteReplicator replicator)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_replicator, replicator))
            {
                _replicator = null;
            }
        }
    }

    /// <summary>Loads device state received from a transfer (the copy does not run).</summary>
    internal void LoadDeviceState(ReadOnlySpan<byte> state)
    {
        if (state.Length != _deviceState.Length)
        {
            throw new ArgumentException($"Device state of {state.Length} bytes does not fit the {_deviceState.Length} bytes this workload has.", nameof(state));
        }
        state.CopyTo(_deviceState);
    }

    /// <summary>Applies one replicated write at a standby: raw, no dirty bits, no state check (the standby does not run).</summary>
    internal void ApplyReplicated(WriteTarget target, long offset, ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            var region = target switch
            {
                WriteTarget.Memory => Memory,
                WriteTarget.Disk => Disk,
                _ => null,
            };
            long size = region?.SizeBytes ?? _deviceState.Length;
            if (offset < 0 || offset + data.Length > size)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), offset, $"A replicated write of {data.Length} bytes falls outside the {size} bytes of {target}.");
            }
            if (region is null)
            {
                data.CopyTo(_deviceState.AsSpan((int)offset));
            }
            else
            {
                region.LoadRaw(offset, data);
            }
        }
    }

    /// <summary>A copy of the device state, taken under the gate.</summary>
    public byte[] CopyDeviceState()
    {
        lock (_gate)
        {
            return (byte[])_deviceState.Clone();
        }
    }

    /// <summary>Hashes memory, disk and device state; meaningful while it does not run.</summary>
    public StateHash ComputeStateHash() => StateHash.Compute(this);

    private bool Transition(WorkloadState to, Func<WorkloadState, bool> allowedFrom)
    {
        lock (_gate)
        {
            if (!allowedFrom(_state))
            {
                return false;
            }
            _state = to;
        }
        StateChanged?.Invoke(this, to);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({State})";
}
