namespace Nvo3.Nve;

/// <summary>
/// One end of an in-memory Ethernet wire between an NVE and an emulated VM: what this end sends
/// the other end receives. Create both ends with <see cref="CreatePair"/>.
/// </summary>
public sealed class MemoryPort : ITenantPort
{
    private readonly FrameQueue _inbound;
    private readonly FrameQueue _outbound;

    private MemoryPort(string name, FrameQueue inbound, FrameQueue outbound)
    {
        Name = name;
        _inbound = inbound;
        _outbound = outbound;
    }

    /// <summary>Creates a wire; the first end goes to the NVE, the second to the VM.</summary>
    public static (MemoryPort NveSide, MemoryPort VmSide) CreatePair(string name, int capacity = 4096)
    {
        var toVm = new FrameQueue(capacity);
        var toNve = new FrameQueue(capacity);
        return (new MemoryPort(name, toNve, toVm), new MemoryPort(name + "-vm", toVm, toNve));
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Frames the far end could not take (its queue was full).</summary>
    public long Dropped => _outbound.Dropped;

    /// <inheritdoc />
    public int Receive(FrameBatch batch, CancellationToken cancellationToken) => _inbound.Read(batch, cancellationToken);

    /// <inheritdoc />
    public bool Send(ReadOnlySpan<byte> frame) => _outbound.TryWrite(frame);

    /// <summary>Puts a frame on this end's receive queue, as if the far end had sent it (tests craft what a VM would send).</summary>
    public bool InjectForTest(ReadOnlySpan<byte> frame) => _inbound.TryWrite(frame);

    /// <summary>Takes every frame already received without blocking.</summary>
    public int Drain(Action<ReadOnlySpan<byte>> consume) => _inbound.Drain(consume);

    /// <summary>Ends the wire for both sides' receive loops.</summary>
    public void Close()
    {
        _inbound.Close();
        _outbound.Close();
    }

    /// <inheritdoc />
    public void Dispose() => Close();
}
