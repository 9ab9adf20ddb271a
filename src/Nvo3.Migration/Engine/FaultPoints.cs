namespace Nvo3.Migration;

/// <summary>Places where tests inject faults into an agent's moves. Empty in production.</summary>
internal sealed class FaultPoints
{
    /// <summary>Runs after the source sent the activation and before it waits for Resumed.</summary>
    public Func<Task>? AfterActivateSent { get; set; }

    internal Task AfterActivateSentAsync(OutgoingTransfer transfer)
    {
        _ = transfer;
        return AfterActivateSent?.Invoke() ?? Task.CompletedTask;
    }
}
