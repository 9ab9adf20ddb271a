using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Nvo3.Packets;
using P = Nvo3.Protocol.V1;

namespace Nvo3.Nva.Client;

/// <summary>
/// Look-ups on one open stream to the NVA (<c>Lookups</c>), for an NVE that asks often (pull
/// mode). Look-ups asked while the stream is busy are sent together in the next message (up to
/// <see cref="MaxBatch"/>) and answered together, so the cost of a message is shared by a burst of
/// questions, and a lone question still goes out at once. Thread-safe. When the stream breaks,
/// the look-ups waiting on it fail as unavailable and the next one opens a new stream, on the
/// next NVA replica. Dispose it to close the stream; it does not own the client.
/// </summary>
public sealed class LookupStream : IAsyncDisposable
{
    /// <summary>The most look-ups sent in one message.</summary>
    public const int MaxBatch = 256;

    private readonly NvaClient _client;
    private readonly string _askingNve;
    private readonly Lock _lock = new();
    private Session? _session;
    private bool _disposed;

    internal LookupStream(NvaClient client, string askingNve)
    {
        _client = client;
        _askingNve = askingNve;
    }

    /// <summary>Who has <paramref name="ip"/> in <paramref name="vni"/>.</summary>
    public Task<LookupResult> LookupByIpAsync(uint vni, IpAddr ip, CancellationToken cancellationToken = default) =>
        SendAsync(new P.LookupQuery { Vni = vni, Ip = ip.ToString() }, cancellationToken);

    /// <summary>Where <paramref name="mac"/> is in <paramref name="vni"/>.</summary>
    public Task<LookupResult> LookupByMacAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        SendAsync(new P.LookupQuery { Vni = vni, Mac = mac.ToString() }, cancellationToken);

    private Task<LookupResult> SendAsync(P.LookupQuery query, CancellationToken cancellationToken)
    {
        Session session;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_session is null || _session.Broken)
            {
                _session = new Session(_client, _client.ReplicaForStream(), _askingNve);
            }
            session = _session;
        }
        return session.SendAsync(query, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Session? session;
        lock (_lock)
        {
            _disposed = true;
            session = _session;
        }
        if (session is not null)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One stream: a writer that sends what is queued in batches, a reader that answers them in order.</summary>
    private sealed class Session : IAsyncDisposable
    {
        private readonly NvaClient _client;
        private readonly int _replica;
        private readonly string _askingNve;
        private readonly AsyncDuplexStreamingCall<P.LookupBatch, P.LookupAnswers> _call;
        private readonly Channel<(P.LookupQuery Query, TaskCompletionSource<LookupResult> Answer)> _outgoing =
            Channel.CreateUnbounded<(P.LookupQuery, TaskCompletionSource<LookupResult>)>(new UnboundedChannelOptions { SingleReader = true });
        private readonly ConcurrentQueue<TaskCompletionSource<LookupResult>[]> _waiting = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _writing;
        private readonly Task _reading;
        private volatile bool _broken;
        private ulong _nextId;

        public Session(NvaClient client, int replica, string askingNve)
        {
            _client = client;
            _replica = replica;
            _askingNve = askingNve;
            _call = client.ReplicaClient(replica).Lookups(cancellationToken: _stop.Token);
            _writing = Task.Run(WriteAsync);
            _reading = Task.Run(ReadAsync);
        }

        public bool Broken => _broken;

        public Task<LookupResult> SendAsync(P.LookupQuery query, CancellationToken cancellationToken)
        {
            var answer = new TaskCompletionSource<LookupResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_outgoing.Writer.TryWrite((query, answer)))
            {
                answer.TrySetException(Unavailable("the look-up stream closed"));
            }
            return cancellationToken.CanBeCanceled ? answer.Task.WaitAsync(cancellationToken) : answer.Task;
        }

        // Sends everything queued as one batch, then waits for more.
        private async Task WriteAsync()
        {
            try
            {
                var reader = _outgoing.Reader;
                var answers = new List<TaskCompletionSource<LookupResult>>(MaxBatch);
                while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
                {
                    var batch = new P.LookupBatch { Id = ++_nextId, AskingNve = _askingNve };
                    while (batch.Queries.Count < MaxBatch && reader.TryRead(out var item))
                    {
                        batch.Queries.Add(item.Query);
                        answers.Add(item.Answer);
                    }
                    _waiting.Enqueue([.. answers]);
                    answers.Clear();
                    await _call.RequestStream.WriteAsync(batch, _stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                Fail(ex);
            }
        }

        private async Task ReadAsync()
        {
            try
            {
                while (await _call.ResponseStream.MoveNext(_stop.Token).ConfigureAwait(false))
                {
                    var response = _call.ResponseStream.Current;
                    if (_waiting.TryDequeue(out var answers))
                    {
                        for (int i = 0; i < answers.Length; i++)
                        {
                            answers[i].TrySetResult(i < response.Answers.Count ? NvaClient.MapLookup(response.Answers[i]) : new LookupResult(null, null, TimeSpan.Zero));
                        }
                    }
                }
                Fail(null);
            }
            catch (Exception ex)
            {
                Fail(ex);
            }
        }

        private void Fail(Exception? ex)
        {
            if (_broken)
            {
                return;
            }
            _broken = true;
            _outgoing.Writer.TryComplete();
            if (ex is RpcException rpc && rpc.StatusCode is not StatusCode.Cancelled)
            {
                _client.MovePast(_replica);
            }
            var failure = ex is RpcException r ? _client.Translate(r) : Unavailable(ex?.Message ?? "the NVA ended the look-up stream");
            while (_waiting.TryDequeue(out var answers))
            {
                foreach (var answer in answers)
                {
                    answer.TrySetException(failure);
                }
            }
            while (_outgoing.Reader.TryRead(out var item))
            {
                item.Answer.TrySetException(failure);
            }
        }

        private static NvaException Unavailable(string why) => new(NvaError.Unavailable, $"Cannot look up at the NVA ({why}); the next look-up opens a new stream.");

        public async ValueTask DisposeAsync()
        {
            _outgoing.Writer.TryComplete();
            await _stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(_writing, _reading).ConfigureAwait(false);
            _call.Dispose();
            _stop.Dispose();
        }
    }
}
