using Nvo3.Lab.Linux;
using Nvo3.Nve.Linux;

namespace Nvo3.Lab.Netns;

/// <summary>What moving a task with its TCP connections took.</summary>
/// <param name="Task">The task.</param>
/// <param name="From">The server it left.</param>
/// <param name="To">The server it went to.</param>
/// <param name="Policy">What the old place did with late segments.</param>
/// <param name="Connections">Connections moved.</param>
/// <param name="PackagedBytes">The size of their packages (state and queued bytes).</param>
/// <param name="FrozenMs">From the pause at the old place until every connection ran again at the new one.</param>
/// <param name="ActivationMs">From the restore until the destination NVE activated the task's address.</param>
/// <param name="TotalMs">From begin to commit.</param>
/// <param name="States">The connections as they were frozen.</param>
public sealed record TaskMoveReport(string Task, string From, string To, LateSegmentPolicy Policy, int Connections, int PackagedBytes,
    double FrozenMs, double ActivationMs, double TotalMs, IReadOnlyList<TcpConnectionState> States);
