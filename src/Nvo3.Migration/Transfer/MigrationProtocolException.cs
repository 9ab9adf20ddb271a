namespace Nvo3.Migration.Transfer;

/// <summary>The peer broke the migration protocol: the connection is unusable and the migration aborts.</summary>
public sealed class MigrationProtocolException : IOException
{
    /// <summary>A protocol error with a message that says what was wrong.</summary>
    public MigrationProtocolException(ProtocolError error, string message) : base(message) => Error = error;

    /// <summary>What kind of violation.</summary>
    public ProtocolError Error { get; }
}
