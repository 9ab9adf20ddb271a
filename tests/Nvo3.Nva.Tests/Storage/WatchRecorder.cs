using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Nvo3.Nva.Storage;

namespace Nvo3.Nva.Tests.Storage;

/// <summary>
/// Drains a store's watch in the background so a test can take its batches one by one with a
/// timeout; a failure of the watch comes out of <see cref="NextAsync"/>.
/// </summary>
internal sealed class WatchRecorder : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<IReadOnlyList<StoreEvent>> _batches = Channel.CreateUnbounded<IReadOnlyList<StoreEvent>>();
    private readonly Task _pump;

    public WatchRecorder(IDirectoryStore store, string prefix, long fromRevision)
    {
        _pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in store.WatchAsync(prefix, fromRevision, _stop.Token))
                {
                    _batches.Writer.TryWrite(batch);
                }
                _batches.Writer.TryComplete();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                _batches.Writer.TryComplete();
            }
            catch (Exception e)
            {
                _batches.Writer.TryComplete(e);
            }
        });
    }

    /// <summary>The next batch; throws what the watch threw, or <see cref="TimeoutException"/>.</summary>
    public async Task<IReadOnlyList<StoreEvent>> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            return await _batches.Reader.ReadAsync(cts.Token);
        }
        catch (ChannelClosedException e) when (e.InnerException is { } inner)
        {
            ExceptionDispatchInfo.Throw(inner);
            throw;
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No watch batch within {(timeout ?? DefaultTimeout).TotalSeconds} s.");
        }
    }

    /// <summary>True and the batch when one is already waiting.</summary>
    public bool TryNext(out IReadOnlyList<StoreEvent>? batch) => _batches.Reader.TryRead(out batch);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pump;
        _stop.Dispose();
    }
}
