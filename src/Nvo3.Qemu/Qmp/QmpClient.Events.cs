namespace Nvo3.Qemu.Qmp;

/// <summary>Events: subscribers, waiters and a bounded history, fed by the read loop.</summary>
public sealed partial class QmpClient
{
    private readonly Lock _eventLock = new();
    private readonly List<Action<QmpEvent>> _subscribers = [];
    private readonly List<EventWaiter> _waiters = [];
    private readonly Queue<QmpEvent> _history = new();
    private long _eventCount;
    private long _subscriberFailures;

    /// <summary>Events received on this connection.</summary>
    public long EventCount => Interlocked.Read(ref _eventCount);

    /// <summary>Subscriber callbacks that threw (their exception is dropped; the others still run).</summary>
    public long SubscriberFailures => Interlocked.Read(ref _subscriberFailures);

    /// <summary>The most recent events, oldest first (at most <see cref="QmpClientOptions.EventHistory"/>).</summary>
    public IReadOnlyList<QmpEvent> RecentEvents
    {
        get
        {
            lock (_eventLock)
            {
                return [.. _history];
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="handler"/> for every event from now on, on the read loop's thread (so
    /// keep it short and never block in it). Dispose the result to stop.
    /// </summary>
    public IDisposable Subscribe(Action<QmpEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_eventLock)
        {
            _subscribers.Add(handler);
        }
        return new Subscription(this, handler);
    }

    /// <summary>
    /// The first event from now on for which <paramref name="predicate"/> holds. The wait is
    /// registered before this method returns, so call it before the command that causes the
    /// event. Fails with <see cref="QmpProtocolException"/> when the connection ends first.
    /// </summary>
    public Task<QmpEvent> WaitForEventAsync(Func<QmpEvent, bool> predicate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var waiter = new EventWaiter(predicate);
        lock (_eventLock)
        {
            if (_closed is { } closed)
            {
                return Task.FromException<QmpEvent>(closed);
            }
            _waiters.Add(waiter);
        }
        if (!cancellationToken.CanBeCanceled)
        {
            return waiter.Source.Task;
        }
        var registration = cancellationToken.Register(() =>
        {
            lock (_eventLock)
            {
                _waiters.Remove(waiter);
            }
            waiter.Source.TrySetCanceled(cancellationToken);
        });
        waiter.Source.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return waiter.Source.Task;
    }

    /// <summary>The first event named <paramref name="name"/> from now on.</summary>
    public Task<QmpEvent> WaitForEventAsync(string name, CancellationToken cancellationToken = default) =>
        WaitForEventAsync(e => e.Name == name, cancellationToken);

    private void Publish(QmpMessage message)
    {
        var e = new QmpEvent(message.EventName!, message.Value, message.Timestamp, Interlocked.Increment(ref _eventCount));
        Action<QmpEvent>[] subscribers;
        List<EventWaiter>? satisfied = null;
        lock (_eventLock)
        {
            _history.Enqueue(e);
            while (_history.Count > _options.EventHistory)
            {
                _history.Dequeue();
            }
            subscribers = [.. _subscribers];
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                bool matches;
                try
                {
                    matches = _waiters[i].Predicate(e);
                }
                catch (Exception ex)
                {
                    _waiters[i].Source.TrySetException(ex);
                    _waiters.RemoveAt(i);
                    continue;
                }
                if (matches)
                {
                    (satisfied ??= []).Add(_waiters[i]);
                    _waiters.RemoveAt(i);
                }
            }
        }
        if (satisfied is not null)
        {
            foreach (var waiter in satisfied)
            {
                waiter.Source.TrySetResult(e);
            }
        }
        foreach (var subscriber in subscribers)
        {
            try
            {
                subscriber(e);
            }
            catch (Exception)
            {
                // A subscriber's bug must not end the connection for everyone: counted instead.
                Interlocked.Increment(ref _subscriberFailures);
            }
        }
    }

    private void FailWaiters(Exception reason)
    {
        EventWaiter[] waiters;
        lock (_eventLock)
        {
            waiters = [.. _waiters];
            _waiters.Clear();
        }
        foreach (var waiter in waiters)
        {
            waiter.Source.TrySetException(reason);
        }
    }

    private void Unsubscribe(Action<QmpEvent> handler)
    {
        lock (_eventLock)
        {
            _subscribers.Remove(handler);
        }
    }

    private sealed class EventWaiter(Func<QmpEvent, bool> predicate)
    {
        public Func<QmpEvent, bool> Predicate { get; } = predicate;

        public TaskCompletionSource<QmpEvent> Source { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Subscription(QmpClient client, Action<QmpEvent> handler) : IDisposable
    {
        public void Dispose() => client.Unsubscribe(handler);
    }
}
