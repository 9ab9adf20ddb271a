namespace Nvo3.Qemu.Migration;

/// <summary>Where a destination listens: the migration stream, and its disk's NBD export when it has one.</summary>
/// <param name="Uri">The stream's address, tcp:HOST:PORT.</param>
/// <param name="DiskHost">The NBD server's address (null without an export).</param>
/// <param name="DiskPort">The NBD server's port (0 without an export).</param>
public sealed record QemuIncoming(string Uri, string? DiskHost = null, int DiskPort = 0);
