namespace Nvo3.Migration;

/// <summary>Thrown by a hook (before the activation) to abort a move with a reason.</summary>
public sealed class MigrationAbortException : Exception
{
    /// <summary>An abort with its reason.</summary>
    public MigrationAbortException(string reason) : base(reason)
    {
    }

    /// <summary>An abort with its reason and cause.</summary>
    public MigrationAbortException(string reason, Exception innerException) : base(reason, innerException)
    {
    }
}
