using System.Net;
using Grpc.Core;
using Nvo3.Nva;
using P = Nvo3.Protocol.Agent.V1;

namespace Nvo3.Mobility.Emulated;

/// <summary>Arrivals at an emulated host in another process, through its agent's migration service.</summary>
public sealed class RemoteArrivals(P.Migrations.MigrationsClient agent) : IArrivals
{
    /// <inheritdoc />
    public async Task<EndPoint> PrepareAsync(Arrival arrival, CancellationToken cancellationToken)
    {
        var response = await CallAsync(async () => await agent.PrepareArrivalAsync(ToProto(arrival), cancellationToken: cancellationToken)).ConfigureAwait(false);
        return IPEndPoint.TryParse(response.MigrationEndpoint, out var endpoint)
            ? endpoint
            : throw new NvaException(NvaError.FailedPrecondition, $"The destination agent named '{response.MigrationEndpoint}' as its migration endpoint, which is not HOST:PORT.");
    }

    /// <inheritdoc />
    public Task ArriveAsync(Arrival arrival, HostedVm? moving, CancellationToken cancellationToken) =>
        CallAsync(async () => await agent.ArriveAsync(ToProto(arrival), cancellationToken: cancellationToken));

    /// <inheritdoc />
    public Task CancelAsync(Arrival arrival, CancellationToken cancellationToken) =>
        CallAsync(async () => await agent.CancelArrivalAsync(ToProto(arrival), cancellationToken: cancellationToken));

    private static P.Arrival ToProto(Arrival arrival)
    {
        var proto = new P.Arrival { Workload = arrival.Workload, Vni = arrival.Vni, Mac = arrival.Mac.ToString(), MigrationId = arrival.MigrationId };
        proto.Ips.AddRange(arrival.Ips.Select(ip => ip.ToString()));
        return proto;
    }

    private static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw new NvaException(ex.StatusCode == StatusCode.Unavailable ? NvaError.Unavailable : NvaError.FailedPrecondition,
                $"The destination agent: {ex.Status.Detail}");
        }
    }
}
