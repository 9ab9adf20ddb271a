namespace Nvo3.Nva;

/// <summary>A binding at one NVE and its state there.</summary>
/// <param name="Nve">The NVE's name.</param>
/// <param name="State">Associated or Activated.</param>
/// <param name="Since">When it entered that state.</param>
public sealed record Placement(string Nve, PlacementState State, DateTimeOffset Since);
