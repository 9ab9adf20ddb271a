namespace Nvo3.Qemu.Qmp;

/// <summary>
/// The QMP connection broke or the peer said something that is not QMP: a line longer than the
/// limit, text that is not a JSON object, a reply without an id, or the socket closed. The
/// connection is unusable afterwards; every pending command and event wait fails with it.
/// </summary>
public sealed class QmpProtocolException : IOException
{
    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public QmpProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the failure underneath.</summary>
    public QmpProtocolException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
