namespace Nvo3.Qemu.Migration;

/// <summary>How a destination listens for a move.</summary>
/// <param name="PauseBeforeSwitchover">The capability, as the source has it.</param>
/// <param name="AutoConverge">The capability, as the source has it.</param>
/// <param name="ExportDisk">Export its disk (node <c>disk0</c>) over NBD for the source's block mirror.</param>
public sealed record QemuListenRequest(bool PauseBeforeSwitchover, bool AutoConverge, bool ExportDisk);
