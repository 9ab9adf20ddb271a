using System.Threading.Channels;
using Grpc.Core;
using Nvo3.Migration;
using Nvo3.Mobility.Emulated;
using Nvo3.Nva;
using Nvo3.Nva.Grpc;
using P = Nvo3.Protocol.Agent.V1;

namespace Nvo3.Mobility.Agent;

/// <summary>
/// The migration side of an NVE process's agent, over every <see cref="IWorkloadHost"/> the process
/// runs (emulated VMs, QEMU guests): moves for <c>nvo3 migrate</c>, arrivals for other agents
/// (dispatched by their kind). Refusals become status codes with their message.
/// </summary>
public sealed class MigrationsService(IReadOnlyList<IWorkloadHost> hosts) : P.Migrations.MigrationsBase
{
    /// <inheritdoc />
    public override async Task Migrate(P.MigrateRequest request, IServerStreamWriter<P.MigrateUpdate> responseStream, ServerCallContext context)
    {
        var mode = request.Mode switch
        {
            "" or "hot" => MigrationMode.Hot,
            "cold" => MigrationMode.Cold,
            "warm" => MigrationMode.Warm,
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, $"Unknown mode '{request.Mode}'; use hot, warm or cold.")),
        };
        var settings = new MoveSettings
        {
            Bandwidth = request.Bandwidth > 0 ? request.Bandwidth : null,
            DowntimeLimit = request.DowntimeLimitMs > 0 ? TimeSpan.FromMilliseconds(request.DowntimeLimitMs) : TimeSpan.FromMilliseconds(300),
            MaxRounds = request.MaxRounds > 0 ? (int)request.MaxRounds : 30,
            AutoConverge = request.AutoConverge,
        };
        var host = hosts.FirstOrDefault(h => h.Runs(request.Workload)) ?? hosts.FirstOrDefault();
        if (host is null)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"No workload named '{request.Workload}' runs here."));
        }
        var updates = Channel.CreateUnbounded<P.MigrateUpdate>(new UnboundedChannelOptions { SingleReader = true });
        var progress = new Progress(updates.Writer);
        var moving = Task.Run(async () =>
        {
            try
            {
                var report = await host.MigrateAsync(request.Workload, request.Destination, mode, settings, progress, context.CancellationToken).ConfigureAwait(false);
                updates.Writer.TryWrite(new P.MigrateUpdate { Summary = Summarize(report) });
                updates.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                updates.Writer.TryComplete(ex);
            }
        });
        try
        {
            await foreach (var update in updates.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(update, context.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (NvaException ex)
        {
            throw new RpcException(new Status(StatusCodes.For(ex.Error), ex.Message));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IOException or MigrationAbortException)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message));
        }
        await moving.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override Task<P.ListWorkloadsResponse> ListWorkloads(P.ListWorkloadsRequest request, ServerCallContext context)
    {
        var response = new P.ListWorkloadsResponse();
        foreach (var workload in hosts.SelectMany(h => h.Workloads))
        {
            var w = new P.HostedWorkload
            {
                Name = workload.Name,
                Kind = workload.Kind,
                Vni = workload.Vni,
                Mac = workload.Mac.ToString(),
                State = workload.State,
                MemoryBytes = workload.MemoryBytes,
                DiskBytes = workload.DiskBytes,
                Pid = workload.Pid,
            };
            w.Ips.AddRange(workload.Ips.Select(ip => ip.ToString()));
            response.Workloads.Add(w);
        }
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override async Task<P.PrepareArrivalResponse> PrepareArrival(P.Arrival request, ServerCallContext context)
    {
        var arrival = FromProto(request);
        var ready = await Call(() => HostFor(arrival).PrepareArrivalAsync(arrival, context.CancellationToken)).ConfigureAwait(false);
        return new P.PrepareArrivalResponse { MigrationEndpoint = ready.Endpoint, DiskHost = ready.DiskHost ?? "", DiskPort = (uint)ready.DiskPort, DiskPath = ready.DiskPath ?? "" };
    }

    /// <inheritdoc />
    public override async Task<P.ArriveResponse> Arrive(P.Arrival request, ServerCallContext context)
    {
        var arrival = FromProto(request);
        await Call(async () =>
        {
            await HostFor(arrival).ArriveAsync(arrival, context.CancellationToken).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return new P.ArriveResponse();
    }

    /// <inheritdoc />
    public override async Task<P.ArriveResponse> CancelArrival(P.Arrival request, ServerCallContext context)
    {
        var arrival = FromProto(request);
        await HostFor(arrival).CancelArrivalAsync(arrival, context.CancellationToken).ConfigureAwait(false);
        return new P.ArriveResponse();
    }

    // The host of the arrival's kind (arrivals from agents that predate kinds are emulated).
    private IWorkloadHost HostFor(Arrival arrival) => hosts.FirstOrDefault(h => h.Kind == arrival.Kind)
        ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, $"This agent hosts no {arrival.Kind} workloads (it has {string.Join(", ", hosts.Select(h => h.Kind))})."));

    private static Arrival FromProto(P.Arrival arrival) =>
        new(arrival.Workload, arrival.Vni, Arguments.ParseMac(arrival.Mac), [.. arrival.Ips.Select(ip => Arguments.ParseIp(ip))], arrival.MigrationId)
        {
            Kind = string.IsNullOrEmpty(arrival.Kind) ? "emulated" : arrival.Kind,
            Mode = arrival.Mode switch { "cold" => MigrationMode.Cold, "warm" => MigrationMode.Warm, _ => MigrationMode.Hot },
            MemoryMiB = (int)arrival.MemoryMib,
            DiskMiB = (int)arrival.DiskMib,
            AutoConverge = arrival.AutoConverge,
        };

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (NvaException ex)
        {
            throw new RpcException(new Status(StatusCodes.For(ex.Error), ex.Message));
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message));
        }
    }

    internal static P.MigrateSummary Summarize(MoveReport report)
    {
        var r = report.Transfer;
        var summary = new P.MigrateSummary
        {
            Outcome = report.Outcome switch { MigrationOutcome.Completed => "completed", MigrationOutcome.Aborted => "aborted", _ => "in-doubt" },
            Reason = report.Reason ?? "",
            MigrationId = report.MigrationId ?? "",
            MemoryBytes = r?.MemoryBytes ?? 0,
            DiskBytes = r?.DiskBytes ?? 0,
            BytesSent = r?.BytesSent ?? 0,
            Rounds = (uint)(r?.Rounds ?? 0),
            DowntimeMs = r?.Downtime.TotalMilliseconds ?? 0,
            PredictedMs = r?.PredictedDowntime.TotalMilliseconds ?? 0,
            TotalMs = report.TotalMs,
            StateVerified = r?.StateVerified ?? false,
            Switchover = r?.Switchover.ToString().ToLowerInvariant() ?? "",
            Kind = report.Kind,
            TransferMs = r?.TotalTime.TotalMilliseconds ?? 0,
            SwitchoverMs = report.SwitchoverMs,
            ActivationMs = report.ActivationMs,
            RedirectTo = report.RedirectTo ?? "",
        };
        summary.LateFailures.AddRange(report.LateFailures);
        return summary;
    }

    // Progress reports from the engine, forwarded as stream updates (the engine never waits on them).
    private sealed class Progress(ChannelWriter<P.MigrateUpdate> writer) : IProgress<MigrationProgress>
    {
        public void Report(MigrationProgress value) => writer.TryWrite(new P.MigrateUpdate
        {
            Progress = new P.MigrateProgress
            {
                Phase = value.Phase.ToString().ToLowerInvariant(),
                Round = (uint)value.Round,
                BytesSent = value.BytesSent,
                DirtyBytes = value.DirtyBytes,
                DirtyRate = value.DirtyRate,
                Bandwidth = value.Bandwidth,
                RemainingSeconds = value.EstimatedRemaining?.TotalSeconds ?? -1,
                Throttle = value.Throttle,
            },
        });
    }
}
