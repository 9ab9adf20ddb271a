using System.Runtime.CompilerServices;
using Grpc.Core;
using P = Nvo3.Protocol.V1;
using static Nvo3.Nva.Grpc.ProtoMapping;

namespace Nvo3.Nva.Client;

public sealed partial class NvaClient
{
    /// <summary>
    /// Streams changes from <paramref name="fromRevision"/> (0: from now). Ends after a
    /// <see cref="ChangeKind.Resync"/> change: take a snapshot and watch again from its revision + 1.
    /// </summary>
    public IAsyncEnumerable<DirectoryChange> WatchAsync(long fromRevision, string nve = "", CancellationToken cancellationToken = default) =>
        WatchAsync(fromRevision, nve, null, cancellationToken);

    /// <summary>
    /// Streams the changes of <paramref name="vnis"/> (their networks, bindings, redirects and
    /// migrations) and of every NVE from <paramref name="fromRevision"/> (0: from now; null or empty
    /// <paramref name="vnis"/>: every change). When the NVA in use becomes unavailable the watch
    /// resumes on the next replica from the revision after the last one it saw, with no reload
    /// when that NVA still keeps the history, and a <see cref="ChangeKind.Resync"/> when it does not;
    /// it throws <see cref="NvaError.Unavailable"/> once every replica failed in a row. Changes of
    /// kind <see cref="ChangeKind.None"/> only carry the revision the NVA reached (progress while
    /// the networks are quiet): apply their revision, nothing else.
    /// </summary>
    public async IAsyncEnumerable<DirectoryChange> WatchAsync(long fromRevision, string nve, IReadOnlyCollection<uint>? vnis,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long next = fromRevision;
        int failures = 0;
        while (true)
        {
            int index = Volatile.Read(ref _current);
            var replica = _replicas[index];
            RpcException? failure = null;
            if (next == 0)
            {
                // "From now" must survive a failover: pin now to this replica's revision.
                (next, failure) = await StartRevisionAsync(replica, cancellationToken).ConfigureAwait(false);
            }
            if (failure is null)
            {
                var request = new P.WatchRequest { FromRevision = next, Nve = nve, ProgressNotify = true };
                request.Vnis.AddRange(vnis ?? []);
                using var call = replica.Client.Watch(request, cancellationToken: cancellationToken);
                while (true)
                {
                    var (response, error) = await NextAsync(call.ResponseStream, cancellationToken).ConfigureAwait(false);
                    if (response is null)
                    {
                        // Unavailable, or the NVA ended the stream (it is stopping): the next replica.
                        failure = error ?? new RpcException(new Status(StatusCode.Unavailable, "The NVA ended the watch stream."));
                        break;
                    }
                    if (failures > 0)
                    {
                        Interlocked.Increment(ref _failovers);
                    }
                    failures = 0;
                    if (response.Revision > 0)
                    {
                        next = response.Revision + 1;
                    }
                    yield return FromWatch(response);
                    if (response.Resync)
                    {
                        yield break;
                    }
                }
            }
            if (++failures >= _replicas.Length)
            {
                throw Translate(failure!, replica.Address);
            }
            Interlocked.CompareExchange(ref _current, (index + 1) % _replicas.Length, index);
        }
    }

    private static async Task<(long Next, RpcException? Failure)> StartRevisionAsync(Replica replica, CancellationToken cancellationToken)
    {
        try
        {
            return ((await replica.Client.StatusAsync(new P.StatusRequest(), cancellationToken: cancellationToken)).Revision + 1, null);
        }
        catch (RpcException ex) when (IsUnreachable(ex))
        {
            return (0, ex);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            return (0, null); // an NVA without Status: watch from now, as before
        }
    }

    // The next response; null with the failure when the replica is unavailable, null alone when
    // the stream ended. Other failures are the NVA's answer and are thrown.
    private async Task<(P.WatchResponse? Response, RpcException? Failure)> NextAsync(IAsyncStreamReader<P.WatchResponse> stream, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.MoveNext(cancellationToken).ConfigureAwait(false) ? (stream.Current, null) : (null, null);
        }
        catch (RpcException ex) when (IsUnreachable(ex) && !cancellationToken.IsCancellationRequested)
        {
            return (null, ex);
        }
        catch (RpcException ex)
        {
            throw Translate(ex);
        }
    }

    private static DirectoryChange FromWatch(P.WatchResponse r) => r.ChangeCase switch
    {
        P.WatchResponse.ChangeOneofCase.Network => new DirectoryChange(r.Revision, ChangeKind.NetworkPut, "", Network: FromProto(r.Network)),
        P.WatchResponse.ChangeOneofCase.NetworkDeleted => new DirectoryChange(r.Revision, ChangeKind.NetworkDeleted, "", Vni: r.NetworkDeleted),
        P.WatchResponse.ChangeOneofCase.Nve => new DirectoryChange(r.Revision, ChangeKind.NvePut, "", Nve: FromProto(r.Nve)),
        P.WatchResponse.ChangeOneofCase.NveDeleted => new DirectoryChange(r.Revision, ChangeKind.NveDeleted, "", Name: r.NveDeleted),
        P.WatchResponse.ChangeOneofCase.Binding => new DirectoryChange(r.Revision, ChangeKind.BindingPut, "", Binding: FromProto(r.Binding)),
        P.WatchResponse.ChangeOneofCase.BindingDeleted => new DirectoryChange(r.Revision, ChangeKind.BindingDeleted, "",
            Vni: r.BindingDeleted.Vni, Mac: Arguments.ParseMac(r.BindingDeleted.Mac)),
        P.WatchResponse.ChangeOneofCase.Redirect => new DirectoryChange(r.Revision, ChangeKind.RedirectPut, "", Redirect: FromProto(r.Redirect)),
        P.WatchResponse.ChangeOneofCase.RedirectDeleted => new DirectoryChange(r.Revision, ChangeKind.RedirectDeleted, "",
            Vni: r.RedirectDeleted.Vni, Mac: Arguments.ParseMac(r.RedirectDeleted.Mac), Name: r.RedirectDeleted.OldNve),
        P.WatchResponse.ChangeOneofCase.Migration => new DirectoryChange(r.Revision, ChangeKind.MigrationPut, "", Migration: FromProto(r.Migration)),
        P.WatchResponse.ChangeOneofCase.MigrationDeleted => new DirectoryChange(r.Revision, ChangeKind.MigrationDeleted, "", Name: r.MigrationDeleted),
        _ => new DirectoryChange(r.Revision, r.Resync ? ChangeKind.Resync : ChangeKind.None, ""),
    };
}
