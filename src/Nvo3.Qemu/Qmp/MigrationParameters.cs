using System.Text.Json.Nodes;

namespace Nvo3.Qemu.Qmp;

/// <summary>
/// Parameters for <c>migrate-set-parameters</c>; only those set are sent, QEMU keeps its value
/// for the others. QEMU 7.2's defaults: max-bandwidth 128 MiB/s, downtime-limit 300 ms,
/// announce 50 ms initial, +100 ms steps, 550 ms max, 5 rounds; throttle 20 % +10 %, at most 99 %.
/// </summary>
public sealed record MigrationParameters
{
    /// <summary>Bandwidth cap in bytes per second (max-bandwidth).</summary>
    public long? MaxBandwidth { get; init; }

    /// <summary>The longest pause QEMU aims for at the switchover, in milliseconds (downtime-limit).</summary>
    public long? DowntimeLimitMs { get; init; }

    /// <summary>First self-announcement delay after the move (announce-initial), ms.</summary>
    public long? AnnounceInitialMs { get; init; }

    /// <summary>Longest delay between announcements (announce-max), ms.</summary>
    public long? AnnounceMaxMs { get; init; }

    /// <summary>How many announcements (announce-rounds).</summary>
    public long? AnnounceRounds { get; init; }

    /// <summary>How much each delay grows (announce-step), ms.</summary>
    public long? AnnounceStepMs { get; init; }

    /// <summary>Auto-converge's first throttle, percent (cpu-throttle-initial).</summary>
    public long? CpuThrottleInitial { get; init; }

    /// <summary>Auto-converge's throttle step, percent (cpu-throttle-increment).</summary>
    public long? CpuThrottleIncrement { get; init; }

    /// <summary>Auto-converge's highest throttle, percent (max-cpu-throttle).</summary>
    public long? MaxCpuThrottle { get; init; }

    /// <summary>Parallel connections with the multifd capability (multifd-channels).</summary>
    public long? MultifdChannels { get; init; }

    /// <summary>The arguments of migrate-set-parameters.</summary>
    public JsonObject ToArguments()
    {
        var arguments = new JsonObject();
        void Add(string name, long? value)
        {
            if (value is { } v)
            {
                arguments[name] = v;
            }
        }
        Add("max-bandwidth", MaxBandwidth);
        Add("downtime-limit", DowntimeLimitMs);
        Add("announce-initial", AnnounceInitialMs);
        Add("announce-max", AnnounceMaxMs);
        Add("announce-rounds", AnnounceRounds);
        Add("announce-step", AnnounceStepMs);
        Add("cpu-throttle-initial", CpuThrottleInitial);
        Add("cpu-throttle-increment", CpuThrottleIncrement);
        Add("max-cpu-throttle", MaxCpuThrottle);
        Add("multifd-channels", MultifdChannels);
        return arguments;
    }
}
