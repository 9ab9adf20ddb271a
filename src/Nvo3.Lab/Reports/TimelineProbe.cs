namespace Nvo3.Lab.Reports;

/// <summary>One probe on a timeline.</summary>
/// <param name="Sequence">Its sequence number.</param>
/// <param name="SentMs">When it was sent, milliseconds from the timeline's origin.</param>
/// <param name="ReceivedMs">When it first arrived, or null when it never did.</param>
public readonly record struct TimelineProbe(long Sequence, double SentMs, double? ReceivedMs)
{
    /// <summary>True when it never arrived.</summary>
    public bool Lost => ReceivedMs is null;

    /// <summary>From sent to received (one-way delay, holding during a pause included); null when lost.</summary>
    public double? DelayMs => ReceivedMs - SentMs;
}
