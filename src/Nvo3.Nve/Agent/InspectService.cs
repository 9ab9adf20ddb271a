using System.Globalization;
using Grpc.Core;
using Nvo3.Nva;
using P = Nvo3.Protocol.Agent.V1;

namespace Nvo3.Nve.Agent;

/// <summary>
/// The agent's read-only look inside one <see cref="Edge"/> (<c>nvo3 nve show</c>, <c>nvo3 nve
/// trace</c>): its tables as copies, bounded by the request's limit, and its drops as they happen
/// through the <see cref="DropTap"/>, bounded by the request's count.
/// </summary>
public sealed class InspectService(Edge edge) : P.Inspect.InspectBase
{
    /// <summary>Rows a show answers when the request names no limit.</summary>
    public const int DefaultLimit = 1000;
    /// <summary>The most rows a show answers.</summary>
    public const int MaxLimit = 10_000;
    /// <summary>The most drops one trace asks for.</summary>
    public const int MaxTraceCount = 10_000;
    /// <summary>Drops queued for a slow tracer before further ones are counted missed.</summary>
    public const int TraceQueue = 256;

    /// <inheritdoc />
    public override Task<P.ShowPortsResponse> ShowPorts(P.ShowRequest request, ServerCallContext context)
    {
        var (vni, limit) = Check(request);
        var rows = edge.Ports.Where(p => vni == 0 || p.Vni == vni).OrderBy(p => p.Vni).ThenBy(p => p.Mac.ToString(), StringComparer.Ordinal).ToList();
        var response = new P.ShowPortsResponse { Nve = edge.Name, Total = (uint)rows.Count };
        response.Ports.AddRange(rows.Take(limit).Select(p =>
        {
            var row = new P.PortRow
            {
                Name = p.Port.Name, Vni = p.Vni, Mac = p.Mac.ToString(), State = p.State.ToString().ToLowerInvariant(),
                Held = (uint)p.HeldCount, RedirectTo = edge.GetRedirect(p.Vni, p.Mac)?.Target.Name ?? "",
            };
            row.Ips.AddRange(p.Ips.Select(ip => ip.ToString()));
            return row;
        }));
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override Task<P.ShowRemoteResponse> ShowRemote(P.ShowRequest request, ServerCallContext context)
    {
        var (vni, limit) = Check(request);
        var rows = edge.RemoteEntries().Where(r => vni == 0 || r.Vni == vni).ToList();
        var response = new P.ShowRemoteResponse { Nve = edge.Name, Total = (uint)rows.Count };
        response.Entries.AddRange(rows.Take(limit).Select(r =>
        {
            var row = new P.RemoteRow
            {
                Vni = r.Vni, Mac = r.Mac.ToString(), Nve = r.Nve ?? "", Underlay = r.Underlay?.ToString() ?? "",
                Source = r.Source == UpdateMode.Push ? "push" : "pull", Expires = r.ExpiresIn is not null,
                ExpiresInMs = r.ExpiresIn?.TotalMilliseconds ?? 0, AgeMs = r.Age.TotalMilliseconds, Refreshing = r.Refreshing,
            };
            row.Ips.AddRange(r.Ips.Select(ip => ip.ToString()));
            return row;
        }));
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override Task<P.ShowRedirectsResponse> ShowRedirects(P.ShowRequest request, ServerCallContext context)
    {
        var (vni, limit) = Check(request);
        var rows = edge.Redirects().Where(r => vni == 0 || r.Vni == vni).ToList();
        var response = new P.ShowRedirectsResponse { Nve = edge.Name, Total = (uint)rows.Count };
        response.Redirects.AddRange(rows.Take(limit).Select(r => new P.RedirectRow
        {
            Vni = r.Vni, Mac = r.Mac.ToString(), To = r.To, Underlay = r.Underlay.ToString(), Timed = r.Timed, AgeMs = r.Age.TotalMilliseconds,
            Expires = r.ExpiresIn is not null, ExpiresInMs = r.ExpiresIn?.TotalMilliseconds ?? 0, IdleMs = r.Idle.TotalMilliseconds, Forwarded = r.Forwarded,
        }));
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override Task<P.ShowPeersResponse> ShowPeers(P.ShowRequest request, ServerCallContext context)
    {
        var (_, limit) = Check(request);
        var rows = edge.Peers();
        var response = new P.ShowPeersResponse { Nve = edge.Name, Total = (uint)rows.Count };
        response.Peers.AddRange(rows.Take(limit).Select(p =>
        {
            var row = new P.PeerRow
            {
                Name = p.Name, Underlay = p.Underlay.ToString(), RemoteEntries = (uint)p.RemoteEntries, Redirects = (uint)p.Redirects,
                IlaLocator = p.IlaLocator is { } locator ? locator.ToString("x16", CultureInfo.InvariantCulture) : "",
            };
            row.Vnis.AddRange(p.Vnis);
            return row;
        }));
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override Task<P.ShowCountersResponse> ShowCounters(P.ShowRequest request, ServerCallContext context)
    {
        var response = new P.ShowCountersResponse { Nve = edge.Name };
        foreach (var (name, value) in edge.Counters.Snapshot(includeZeros: true))
        {
            response.Counters[name] = value;
        }
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override async Task TraceDrops(P.TraceRequest request, IServerStreamWriter<P.TracedDrop> responseStream, ServerCallContext context)
    {
        if (request.Count > MaxTraceCount)
        {
            throw Refuse(StatusCode.InvalidArgument, $"count {request.Count} is more than {MaxTraceCount}; ask for fewer drops at a time.");
        }
        int count = request.Count == 0 ? 10 : (int)request.Count;
        DropTrace trace;
        try
        {
            trace = edge.Counters.Tap.Attach(TraceQueue, edge.Time);
        }
        catch (InvalidOperationException ex)
        {
            throw Refuse(StatusCode.ResourceExhausted, ex.Message);
        }
        using (trace)
        {
            // Headers once the tap is attached: a client that waits for them knows every drop from now on is traced.
            await context.WriteResponseHeadersAsync([]).ConfigureAwait(false);
            for (int sent = 0; sent < count; sent++)
            {
                var frame = await trace.Reader.ReadAsync(context.CancellationToken).ConfigureAwait(false);
                await responseStream.WriteAsync(ToProto(DropSummary.From(frame), trace.Missed), context.CancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static P.TracedDrop ToProto(DropSummary d, long missed) => new()
    {
        Time = d.Time.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        Reason = NveCounters.DropName(d.Reason),
        Vni = d.Vni,
        Length = d.Length,
        Count = d.Count,
        Sender = d.Sender ?? "",
        SrcMac = d.SourceMac ?? "",
        DstMac = d.DestinationMac ?? "",
        EtherType = d.EtherType ?? "",
        SrcIp = d.SourceIp ?? "",
        DstIp = d.DestinationIp ?? "",
        Protocol = d.Protocol ?? "",
        Missed = missed,
    };

    private static (uint Vni, int Limit) Check(P.ShowRequest request)
    {
        if (request.Vni > 0xFF_FFFF)
        {
            throw Refuse(StatusCode.InvalidArgument, $"VNI {request.Vni} is not a 24-bit network identifier (1–16777215, or 0 for every network).");
        }
        if (request.Limit > MaxLimit)
        {
            throw Refuse(StatusCode.InvalidArgument, $"limit {request.Limit} is more than {MaxLimit}; narrow it with a VNI.");
        }
        return (request.Vni, request.Limit == 0 ? DefaultLimit : (int)request.Limit);
    }

    private static RpcException Refuse(StatusCode code, string message) => new(new Status(code, message));
}
