namespace Nvo3.Migration;

/// <summary>
/// QEMU's switchover rule: pause once the bytes still dirty can be sent within the downtime
/// limit at the bandwidth measured so far (pending bytes ≤ bandwidth × downtime limit).
/// </summary>
public static class SwitchoverRule
{
    /// <summary>
    /// True when <paramref name="dirtyBytes"/> can go within <paramref name="downtimeLimit"/> at
    /// <paramref name="bytesPerSecond"/>; <paramref name="predicted"/> is how long they would take
    /// (zero for nothing left, <see cref="TimeSpan.MaxValue"/> when the bandwidth is unknown).
    /// </summary>
    public static bool CanSwitchOver(long dirtyBytes, double? bytesPerSecond, TimeSpan downtimeLimit, out TimeSpan predicted)
    {
        if (dirtyBytes <= 0)
        {
            predicted = TimeSpan.Zero;
            return true;
        }
        if (bytesPerSecond is not > 0)
        {
            predicted = TimeSpan.MaxValue;
            return false;
        }
        double seconds = dirtyBytes / bytesPerSecond.Value;
        predicted = seconds >= TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue : TimeSpan.FromSeconds(seconds);
        return predicted <= downtimeLimit;
    }
}
