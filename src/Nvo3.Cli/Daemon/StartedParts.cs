namespace Nvo3.Cli;

/// <summary>
/// What a daemon's start has made so far, disposed in reverse order: returned as the running
/// daemon, or disposed at once when a later step of the start fails. Also runs plain actions
/// (a last line of counters) at their place in the order.
/// </summary>
internal sealed class StartedParts : IAsyncDisposable
{
    private readonly Stack<Func<ValueTask>> _undo = new();

    /// <summary>Keeps <paramref name="part"/> to dispose and returns it.</summary>
    public T Add<T>(T part) where T : IAsyncDisposable
    {
        _undo.Push(part.DisposeAsync);
        return part;
    }

    /// <summary>Runs <paramref name="action"/> when disposed, before what was added earlier.</summary>
    public void OnStop(Action action) => _undo.Push(() =>
    {
        action();
        return ValueTask.CompletedTask;
    });

    /// <summary>Runs <paramref name="loop"/> until disposed: its token then fires and it is awaited (its cancellation is its normal end).</summary>
    public void Loop(Func<CancellationToken, Task> loop)
    {
        var stop = new CancellationTokenSource();
        var running = Task.Run(() => loop(stop.Token));
        _undo.Push(async () =>
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await running.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // How it ends.
            }
            finally
            {
                stop.Dispose();
            }
        });
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Every part is stopped even when one fails; the first failure is rethrown after.
        List<Exception>? failures = null;
        while (_undo.TryPop(out var undo))
        {
            try
            {
                await undo().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                (failures ??= []).Add(ex);
            }
        }
        if (failures is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failures[0]);
        }
    }
}
