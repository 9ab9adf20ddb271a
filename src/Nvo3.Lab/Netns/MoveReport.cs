namespace Nvo3.Lab.Netns;

/// <summary>What one move in the netns lab took.</summary>
/// <param name="Vm">The VM.</param>
/// <param name="From">The server it left.</param>
/// <param name="To">The server it went to.</param>
/// <param name="Mode">hot or cold.</param>
/// <param name="MigrationId">The NVA's record of it.</param>
/// <param name="PauseMs">From the pause at the source until the VM's interface was up at the destination.</param>
/// <param name="ActivationMs">From the resume until the destination NVE saw the VM's announcement and activated it.</param>
/// <param name="TotalMs">From begin to commit.</param>
/// <param name="RedirectTo">Where the old NVE sent packets in flight (null: nowhere, they were dropped).</param>
public sealed record MoveReport(string Vm, string From, string To, string Mode, string MigrationId, double PauseMs, double ActivationMs, double TotalMs, string? RedirectTo);
