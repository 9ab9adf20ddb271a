namespace Nvo3.Migration;

/// <summary>How state travels between two agents, whatever the mode.</summary>
public record TransferSettings
{
    /// <summary>A cap on the sending rate in bytes per second (QEMU's max-bandwidth; it defaults to 128 MiB/s). Null: no cap. Default null.</summary>
    public double? MaxBandwidth { get; init; }

    /// <summary>Payload bytes per frame of pages or blocks (many pages per frame). Default 1 MiB.</summary>
    public int FramePayloadBytes { get; init; } = 1 << 20;

    /// <summary>How long connecting may take. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the source waits for a reply (Welcome, Ready, Resumed) before it gives up. Default 30 s.</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Hash the state at the source at pause and at the destination before it resumes, and abort on a mismatch. Default true.</summary>
    public bool VerifyState { get; init; } = true;

    /// <summary>
    /// When the connection fails after the activation was sent, how many times the source asks
    /// the destination (on a fresh connection) whether it runs, and how long it waits between
    /// asks. Defaults 10 and 200 ms.
    /// </summary>
    public int ResolveAttempts { get; init; } = 10;

    /// <inheritdoc cref="ResolveAttempts"/>
    public TimeSpan ResolveInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    internal void ValidateTransfer()
    {
        if (MaxBandwidth is <= 0)
        {
            throw new ArgumentException("MaxBandwidth must be positive, or null for no cap.", nameof(MaxBandwidth));
        }
        if (FramePayloadBytes < 64 << 10 || FramePayloadBytes > Transfer.FrameHeader.MaxPayloadLength / 2)
        {
            throw new ArgumentException($"FramePayloadBytes must be 64 KiB to {Transfer.FrameHeader.MaxPayloadLength / 2} bytes.", nameof(FramePayloadBytes));
        }
    }
}
