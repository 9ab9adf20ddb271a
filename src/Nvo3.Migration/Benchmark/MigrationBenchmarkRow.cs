namespace Nvo3.Migration;

/// <summary>One hot move of the sweep.</summary>
/// <param name="DirtyRate">The workload's dirty rate, bytes per second.</param>
/// <param name="DowntimeMs">The measured pause.</param>
/// <param name="PredictedDowntimeMs">The pause the engine predicted at the switchover.</param>
/// <param name="VerificationMs">Of the pause, the time spent hashing at the source.</param>
/// <param name="TotalMs">The whole move.</param>
/// <param name="SentRatio">Bytes sent over memory size.</param>
/// <param name="Rounds">Pre-copy rounds.</param>
/// <param name="Switchover">Converged or round limit.</param>
/// <param name="BandwidthMBps">Measured bandwidth at the switchover, MB/s.</param>
/// <param name="Throttle">Auto-converge's final throttle.</param>
/// <param name="StateVerified">Hashes equal.</param>
public sealed record MigrationBenchmarkRow(double DirtyRate, double DowntimeMs, double PredictedDowntimeMs, double VerificationMs, double TotalMs,
    double SentRatio, int Rounds, SwitchoverReason Switchover, double BandwidthMBps, double Throttle, bool StateVerified)
{
    /// <summary>The move went over mutual TLS (else plain text).</summary>
    public bool Tls { get; init; }
}
