namespace Nvo3.Security;

/// <summary>
/// A refusal or failure around certificate files, with a message that says what to do: a file
/// that exists (and no force), a folder without a CA, a missing or unreadable PEM file, a key that
/// does not match its certificate, a certificate not issued by the CA or out of its validity. An
/// <see cref="IOException"/>, so callers that report I/O failures report these the same way.
/// </summary>
public sealed class PkiException : IOException
{
    /// <summary>A refusal with its message.</summary>
    public PkiException(string message)
        : base(message)
    {
    }

    /// <summary>A refusal with its message and what caused it.</summary>
    public PkiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A refusal without a message (prefer the others).</summary>
    public PkiException()
        : base("A certificate file was refused.")
    {
    }
}
