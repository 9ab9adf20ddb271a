namespace Nvo3.Migration;

/// <summary>
/// QEMU's auto-converge, one decision per pre-copy round: a round after round 0 in which the
/// workload dirtied at least <see cref="PreCopySettings.ThrottleTrigger"/> of what the round sent
/// does not converge; each such round raises the throttle, first to
/// <see cref="PreCopySettings.ThrottleInitial"/>, then by <see cref="PreCopySettings.ThrottleIncrement"/>,
/// up to <see cref="PreCopySettings.ThrottleMax"/>. (QEMU waits for two such rounds in a row
/// before each step; one round per step reacts faster to short pre-copies like ours.)
/// </summary>
internal sealed class AutoConverge(PreCopySettings settings)
{
    /// <summary>The throttle now.</summary>
    public double Throttle { get; private set; }

    /// <summary>Takes one round's figures and returns the throttle for the next.</summary>
    public double AfterRound(int round, long dirtiedBytes, long sentBytes)
    {
        if (!settings.AutoConverge || round == 0 || dirtiedBytes < settings.ThrottleTrigger * sentBytes)
        {
            return Throttle;
        }
        Throttle = Throttle == 0 ? settings.ThrottleInitial : Math.Min(settings.ThrottleMax, Throttle + settings.ThrottleIncrement);
        return Throttle;
    }
}
