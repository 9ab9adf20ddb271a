namespace Nvo3.Migration.Transfer;

/// <summary>The peer agent refused or aborted the migration, with its reason.</summary>
public sealed class MigrationRefusedException : IOException
{
    /// <summary>A refusal with the peer's reason.</summary>
    public MigrationRefusedException(string reason) : base(reason)
    {
    }
}
