namespace Nvo3.Lab.Netns;

/// <summary>A process the lab started has exited; the message ends with its log's last lines.</summary>
public sealed class LabProcessExitedException(string message) : IOException(message);
