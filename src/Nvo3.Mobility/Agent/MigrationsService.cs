using System.Threading.Channels;
using Grpc.Core;
using Nvo3.Migration;
using Nvo3.Mobility.Emulated;
using Nvo3.Nva;
using Nvo3.Nva.Grpc;
using P = Nvo3.Protocol.Agent.V1;

namespace Nvo3.Mobility.Agent;

/// <summary>
/// The migration side of an NVE process's agent, over an <see cref="EmulatedHost"/>: moves for
/// <c>nvo3 migrate</c>, arrivals for other agents. Refusals become status codes with their message.
/// </summary>
public sealed class MigrationsService(EmulatedHost host) : P.Migrations.MigrationsBase
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
        var preCopy = new PreCopySettings
        {
            MaxBandwidth = request.Bandwidth > 0 ? request.Bandwidth : null,
            DowntimeLimit = request.DowntimeLimitMs > 0 ? TimeSpan.FromMilliseconds(request.DowntimeLimitMs) : TimeSpan.FromMilliseconds(300),
            MaxRounds = request.MaxRounds > 0 ? (int)request.MaxRounds : 30,
            AutoConverge = request.AutoConverge,
        };
        var settings = new EmulatedMoveSettings
        {
            PreCopy = preCopy,
            Transfer = preCopy,
            Checkpoints = new WarmStandbySettings
            {
                MaxBandwidth = preCopy.MaxBandwidth,
                DowntimeLimit = preCopy.DowntimeLimit,
                MaxRounds = preCopy.MaxRounds,
                AutoConverge = preCopy.AutoConverge,
                CheckpointInterval = TimeSpan.FromMilliseconds(200),
            },
        };
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
        foreach (var vm in host.Vms)
        {
            var w = new P.HostedWorkload
            {
                Name = vm.Name,
                Vni = vm.Vni,
                Mac = vm.Mac.ToString(),
                State = vm.Workload?.State.ToString().ToLowerInvariant() ?? "network only",
                MemoryBytes = vm.Workload?.Shape.MemoryBytes ?? 0,
                DiskBytes = vm.Workload?.Shape.DiskBytes ?? 0,
            };
            w.Ips.AddRange(vm.Vm.Addresses.Select(ip => ip.ToString()));
            response.Workloads.Add(w);
        }
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override async Task<P.PrepareArrivalResponse> PrepareArrival(P.Arrival request, ServerCallContext context) =>
        new() { MigrationEndpoint = (await Call(() => host.PrepareAsync(FromProto(request), context.CancellationToken)).ConfigureAwait(false)).ToString() };

    /// <inheritdoc />
    public override async Task<P.ArriveResponse> Arrive(P.Arrival request, ServerCallContext context)
    {
        await Call(async () =>
        {
            await host.ArriveAsync(FromProto(request), null, context.CancellationToken).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return new P.ArriveResponse();
    }

    /// <inheritdoc />
    public override async Task<P.ArriveResponse> CancelArrival(P.Arrival request, ServerCallContext context)
    {
        await host.CancelAsync(FromProto(request), context.CancellationToken).ConfigureAwait(false);
        return new P.ArriveResponse();
    }

    private static Arrival FromProto(P.Arrival arrival) =>
        new(arrival.Workload, arrival.Vni, Arguments.ParseMac(arrival.Mac), [.. arrival.Ips.Select(ip => Arguments.ParseIp(ip))], arrival.MigrationId);

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

    private static P.MigrateSummary Summarize(MoveReport report)
    {
        var r = report.Transfer;
        return new P.MigrateSummary
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
        };
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
