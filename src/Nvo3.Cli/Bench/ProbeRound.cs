namespace Nvo3.Cli.Bench;

/// <summary>One timed move: when it was sent and when each interested subscriber received it.</summary>
internal sealed class ProbeRound(long sequence, int subscribers)
{
    private int _remaining = subscribers;
    private int _foreign;

    /// <summary>The sequence number the move gives the probe binding.</summary>
    public long Sequence { get; } = sequence;

    /// <summary>When the move was sent (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
    public long Start { get; set; }

    /// <summary>When each subscriber received it, by subscriber index; 0 until then.</summary>
    public long[] Arrivals { get; } = new long[subscribers];

    /// <summary>Subscribers still waiting for it.</summary>
    public int Remaining => Volatile.Read(ref _remaining);

    /// <summary>Deliveries to subscribers that did not ask for its network (a filtered watch must have none).</summary>
    public int Foreign => Volatile.Read(ref _foreign);

    /// <summary>Completed when every interested subscriber has it.</summary>
    public TaskCompletionSource AllReceived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Records a delivery to subscriber <paramref name="subscriber"/> (its index among the interested).</summary>
    public void Arrived(int subscriber, long timestamp)
    {
        if (Interlocked.CompareExchange(ref Arrivals[subscriber], timestamp, 0) == 0 && Interlocked.Decrement(ref _remaining) == 0)
        {
            AllReceived.TrySetResult();
        }
    }

    /// <summary>Records a delivery to a subscriber of another network.</summary>
    public void ArrivedElsewhere() => Interlocked.Increment(ref _foreign);
}
