namespace Nvo3.Migration;

/// <summary>Places where tests inject faults into an agent's moves. Empty in production.</summary>
internal sealed class FaultPoints
{
    /// <summary>Runs after the source committed (it will not resume on its own) and before it sends the activation.</summary>
    public Func<Task>? BeforeActivateSent { get; set; }

    /// <summary>Runs after the source sent the activation and before it waits for Resumed.</summary>
    public Func<Task>? AfterActivateSent { get; set; }

    internal Task BeforeActivateSentAsync() => BeforeActivateSent?.Invoke() ?? Task.CompletedTask;

    internal Task AfterActivateSentAsync() => AfterActivateSent?.Invoke() ?? Task.CompletedTask;
}
