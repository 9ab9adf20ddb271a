using System.Net;
using Grpc.Core;
using Nvo3.Mobility.Qemu;
using Nvo3.Nva;
using P = Nvo3.Protocol.Agent.V1;

namespace Nvo3.Mobility.Emulated;

/// <summary>Arrivals at a host in another process (emulated VMs, QEMU guests), through its agent's migration service.</summary>
public sealed class RemoteArrivals(P.Migrations.MigrationsClient agent) : IArrivals, IQemuArrivals
{
    /// <inheritdoc />
    public async Task<EndPoint> PrepareAsync(Arrival arrival, CancellationToken cancellationToken)
    {
        var ready = await ListenAsync(arrival, cancellationToken).ConfigureAwait(false);
        return IPEndPoint.TryParse(ready.Endpoint, out var endpoint)
            ? endpoint
            : throw new NvaException(NvaError.FailedPrecondition, $"The destination agent named '{ready.Endpoint}' as its migration endpoint, which is not HOST:PORT.");
    }

    /// <inheritdoc />
    public async Task<ArrivalEndpoint> ListenAsync(Arrival arrival, CancellationToken cancellationToken)
    {
        var response = await CallAsync(async () => await agent.PrepareArrivalAsync(ToProto(arrival), cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new ArrivalEndpoint(response.MigrationEndpoint, string.IsNullOrEmpty(response.DiskHost) ? null : response.DiskHost, (int)response.DiskPort,
            string.IsNullOrEmpty(response.DiskPath) ? null : response.DiskPath);
    }

    /// <inheritdoc />
    public Task ArriveAsync(Arrival arrival, CancellationToken cancellationToken) => ArriveAsync(arrival, null, cancellationToken);

    /// <inheritdoc />
    public Task ArriveAsync(Arrival arrival, HostedVm? moving, CancellationToken cancellationToken) =>
        CallAsync(async () => await agent.ArriveAsync(ToProto(arrival), cancellationToken: cancellationToken));

    /// <inheritdoc />
    public Task CancelAsync(Arrival arrival, CancellationToken cancellationToken) =>
        CallAsync(async () => await agent.CancelArrivalAsync(ToProto(arrival), cancellationToken: cancellationToken));

    private static P.Arrival ToProto(Arrival arrival)
    {
        var proto = new P.Arrival
        {
            Workload = arrival.Workload, Vni = arrival.Vni, Mac = arrival.Mac.ToString(), MigrationId = arrival.MigrationId,
            Kind = arrival.Kind, Mode = arrival.Mode.ToString().ToLowerInvariant(),
            MemoryMib = (uint)arrival.MemoryMiB, DiskMib = (uint)arrival.DiskMiB, AutoConverge = arrival.AutoConverge,
        };
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
