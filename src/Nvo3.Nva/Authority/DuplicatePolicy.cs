namespace Nvo3.Nva;

/// <summary>What duplicate detection does once a binding made too many unplanned moves.</summary>
public enum DuplicatePolicy
{
    /// <summary>Flag the binding and keep accepting moves.</summary>
    Warn,
    /// <summary>Flag the binding and refuse further unplanned moves until cleared or the freeze time passes.</summary>
    Freeze,
}
