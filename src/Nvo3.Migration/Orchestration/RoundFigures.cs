namespace Nvo3.Migration;

/// <summary>What one pre-copy round (or the final pass during the pause) did.</summary>
/// <param name="Round">0 sends everything; the final pass has the next number.</param>
/// <param name="Final">True for the pass made while the workload was paused.</param>
/// <param name="Pages">Memory pages sent.</param>
/// <param name="Blocks">Disk blocks sent.</param>
/// <param name="BytesSent">Bytes on the wire, headers included.</param>
/// <param name="Duration">How long the round took.</param>
/// <param name="DirtyBytesLeft">Memory and disk bytes dirty when it ended (what the workload dirtied meanwhile).</param>
/// <param name="DirtyRate">Those bytes over the round's duration, per second.</param>
/// <param name="Bandwidth">The measured sending rate when it ended, bytes per second.</param>
/// <param name="Throttle">The workload's throttle during the round.</param>
public sealed record RoundFigures(int Round, bool Final, int Pages, int Blocks, long BytesSent, TimeSpan Duration, long DirtyBytesLeft, double DirtyRate, double Bandwidth, double Throttle);
