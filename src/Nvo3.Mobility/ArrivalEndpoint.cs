namespace Nvo3.Mobility;

/// <summary>Where an arriving workload's state goes, as its destination host said when it got ready.</summary>
/// <param name="Endpoint">Our engine's HOST:PORT, or QEMU's incoming stream tcp:HOST:PORT.</param>
/// <param name="DiskHost">A QEMU destination's NBD export: its address (null without a disk).</param>
/// <param name="DiskPort">Its port (0 without a disk).</param>
/// <param name="DiskPath">The destination's disk image, to compare with the source's after the move when both are on one machine.</param>
public sealed record ArrivalEndpoint(string Endpoint, string? DiskHost = null, int DiskPort = 0, string? DiskPath = null);
