namespace Nvo3.Migration;

/// <summary>Which part of a workload's state a write changes.</summary>
public enum WriteTarget : byte
{
    /// <summary>Memory.</summary>
    Memory = 1,
    /// <summary>Disk.</summary>
    Disk = 2,
    /// <summary>Device and CPU state.</summary>
    Device = 3,
}
