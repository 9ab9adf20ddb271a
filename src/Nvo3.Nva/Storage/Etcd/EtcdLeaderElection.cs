using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Nvo3.Nva.Leadership;
using V3Electionpb;

namespace Nvo3.Nva.Storage.Etcd;

/// <summary>
/// The election of the NVA replicas on one etcd cluster, with etcd's own election service
/// (<c>v3election</c>, what etcd's <c>concurrency.Election</c> does): each replica grants itself a
/// lease of <see cref="Ttl"/>, keeps it alive, and campaigns with it for
/// <c>PREFIX/election/housekeeping</c>. etcd makes the oldest live campaigner the leader; when the
/// leader's lease ends (it stopped, died, or lost etcd for the lease's time) its key goes with the
/// lease and the next campaigner leads: within one TTL of the leader's last renewal.
/// </summary>
/// <remarks>
/// A leader steps down on its own once it has not renewed its lease for a TTL, whatever etcd
/// decided meanwhile, so two replicas lead at the same time for at most the time a renewal takes
/// to come back. A replica that stops revokes its lease, and the next leads at once.
/// </remarks>
internal sealed partial class EtcdLeaderElection(Lease.LeaseClient leases, Election.ElectionClient election, ByteString name, string candidate,
    TimeSpan ttl, TimeProvider time, ILogger logger) : ILeaderElection
{
    private volatile bool _leading;

    /// <inheritdoc />
    public string Candidate => candidate;

    /// <inheritdoc />
    public bool IsLeader => _leading;

    /// <summary>The lease each campaign stands with.</summary>
    public TimeSpan Ttl => ttl;

    /// <inheritdoc />
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await using var session = await LeaseSession.StartAsync(leases, ttl, time, logger, cancellationToken).ConfigureAwait(false);
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, session.Lost);
            var campaign = new CampaignRequest { Name = name, Lease = session.Id, Value = ByteString.CopyFrom(Records.RecordJson.Encode(candidate)) };
            // Blocks until every older campaigner's key is gone: then this replica leads.
            await election.CampaignAsync(campaign, cancellationToken: leading.Token).ConfigureAwait(false);
            _leading = true;
            Log.Elected(logger, candidate, ttl);
            try
            {
                await lead(leading.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (leading.IsCancellationRequested)
            {
            }
            finally
            {
                _leading = false;
                if (!cancellationToken.IsCancellationRequested)
                {
                    Log.SteppedDown(logger, candidate);
                }
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<string?> GetLeaderAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await election.LeaderAsync(new LeaderRequest { Name = name }, cancellationToken: cancellationToken).ConfigureAwait(false);
            return response.Kv is { } kv ? Records.RecordJson.Decode<string>(kv.Value.ToByteArray()) : null;
        }
        catch (RpcException ex) when (ex.Status.Detail.Contains("no leader", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
    }

    /// <summary>
    /// One lease and the loop that keeps it alive; <see cref="Lost"/> fires when it can no longer
    /// be sure it holds it. Disposing revokes it (best effort), which ends its campaign at once.
    /// </summary>
    private sealed class LeaseSession : IAsyncDisposable
    {
        private readonly Lease.LeaseClient _leases;
        private readonly TimeSpan _ttl;
        private readonly TimeProvider _time;
        private readonly ILogger _logger;
        private readonly CancellationTokenSource _lost = new();
        private readonly CancellationTokenSource _stop = new();
        private Task _keeper = Task.CompletedTask;

        private LeaseSession(long id, Lease.LeaseClient leases, TimeSpan ttl, TimeProvider time, ILogger logger)
        {
            Id = id;
            _leases = leases;
            _ttl = ttl;
            _time = time;
            _logger = logger;
        }

        public long Id { get; }

        public CancellationToken Lost => _lost.Token;

        public static async Task<LeaseSession> StartAsync(Lease.LeaseClient leases, TimeSpan ttl, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
        {
            var granted = time.GetUtcNow();
            var grant = await leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = Math.Max(2, (long)Math.Ceiling(ttl.TotalSeconds)) }, cancellationToken: cancellationToken).ConfigureAwait(false);
            var session = new LeaseSession(grant.ID, leases, TimeSpan.FromSeconds(grant.TTL), time, logger);
            session._keeper = Task.Run(() => session.KeepAliveAsync(granted));
            return session;
        }

        private async Task KeepAliveAsync(DateTimeOffset renewed)
        {
            var stop = _stop.Token;
            while (!stop.IsCancellationRequested && _time.GetUtcNow() < renewed + _ttl)
            {
                try
                {
                    using var call = _leases.LeaseKeepAlive(cancellationToken: stop);
                    while (true)
                    {
                        var sent = _time.GetUtcNow();
                        await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = Id }, stop).ConfigureAwait(false);
                        // An answer that comes after the lease would have run out is no use.
                        using var wait = new CancellationTokenSource(Max(renewed + _ttl - sent, TimeSpan.FromMilliseconds(1)), _time);
                        using var either = CancellationTokenSource.CreateLinkedTokenSource(stop, wait.Token);
                        if (!await call.ResponseStream.MoveNext(either.Token).ConfigureAwait(false))
                        {
                            break;
                        }
                        if (call.ResponseStream.Current.TTL <= 0)
                        {
                            renewed = DateTimeOffset.MinValue; // etcd says the lease is gone
                            break;
                        }
                        renewed = sent;
                        await Task.Delay(_ttl / 3, _time, stop).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // Whatever broke the renewal, the lease's own time decides whether it is lost.
                    Log.KeepAliveFailed(_logger, Id, ex.Message);
                }
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            if (!stop.IsCancellationRequested)
            {
                Log.LeaseLost(_logger, Id);
                await _lost.CancelAsync().ConfigureAwait(false);
            }
        }

        private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _keeper.ConfigureAwait(false);
            try
            {
                // Revoking deletes the campaign's key with the lease: the next replica leads now,
                // not a TTL later.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _leases.LeaseRevokeAsync(new LeaseRevokeRequest { ID = Id }, cancellationToken: timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException or ObjectDisposedException)
            {
                // etcd is away, or the store closed: the lease runs out on its own.
            }
            _lost.Dispose();
            _stop.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Candidate} leads the NVA replicas (lease {Ttl}): it runs the housekeeping")]
        public static partial void Elected(ILogger logger, string candidate, TimeSpan ttl);

        [LoggerMessage(2, LogLevel.Warning, "{Candidate} stopped leading: its lease is lost; campaigning again")]
        public static partial void SteppedDown(ILogger logger, string candidate);

        [LoggerMessage(3, LogLevel.Debug, "Renewing election lease {Lease:x} failed: {Reason}; retrying")]
        public static partial void KeepAliveFailed(ILogger logger, long lease, string reason);

        [LoggerMessage(4, LogLevel.Warning, "Election lease {Lease:x} is lost (not renewed within its TTL)")]
        public static partial void LeaseLost(ILogger logger, long lease);
    }
}
