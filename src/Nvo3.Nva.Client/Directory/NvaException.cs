namespace Nvo3.Nva;

/// <summary>A refusal by the NVA, with a message that tells the caller what to do.</summary>
public sealed class NvaException : Exception
{
    /// <summary>Creates a refusal.</summary>
    public NvaException(NvaError error, string message) : base(message) => Error = error;

    /// <summary>The kind of refusal.</summary>
    public NvaError Error { get; }
}
