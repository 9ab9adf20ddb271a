using Grpc.Core;
using Nvo3.Packets;
using P = Nvo3.Protocol.Agent.V1;

namespace Nvo3.Nve.Agent;

/// <summary>
/// The port agent's gRPC service over one <see cref="Edge"/>: attach a TAP, detach, pause,
/// resume, list. Refusals become status codes with a message that says what to do.
/// </summary>
public sealed class PortAgentService(Edge edge) : P.PortAgent.PortAgentBase
{
    /// <inheritdoc />
    public override Task<P.Port> AttachTap(P.AttachTapRequest request, ServerCallContext context)
    {
        var (vni, mac) = Key(request.Vni, request.Mac);
        if (string.IsNullOrWhiteSpace(request.Tap))
        {
            throw Refuse(StatusCode.InvalidArgument, "Name the TAP device (tap = NAME, at most 15 bytes).");
        }
        if (edge.GetPort(vni, mac) is not null)
        {
            throw Refuse(StatusCode.AlreadyExists, $"NVE {edge.Name} already has a port for {mac} in VNI {vni}; detach it first.");
        }
        TapPort tap;
        try
        {
            tap = TapPort.Create(request.Tap, mac);
        }
        catch (ArgumentException ex)
        {
            throw Refuse(StatusCode.InvalidArgument, ex.Message);
        }
        catch (IOException ex)
        {
            throw Refuse(StatusCode.FailedPrecondition, ex.Message);
        }
        try
        {
            return Task.FromResult(ToProto(edge.AttachPort(tap, vni, mac)));
        }
        catch (InvalidOperationException ex)
        {
            tap.Dispose();
            throw Refuse(StatusCode.AlreadyExists, ex.Message);
        }
    }

    /// <inheritdoc />
    public override Task<P.DetachPortResponse> DetachPort(P.PortKey request, ServerCallContext context)
    {
        var (vni, mac) = Key(request.Vni, request.Mac);
        return edge.DetachPort(vni, mac)
            ? Task.FromResult(new P.DetachPortResponse())
            : throw NoPort(vni, mac);
    }

    /// <inheritdoc />
    public override Task<P.PausePortResponse> PausePort(P.PortKey request, ServerCallContext context)
    {
        var (vni, mac) = Key(request.Vni, request.Mac);
        var port = edge.GetPort(vni, mac) ?? throw NoPort(vni, mac);
        string? target = edge.PausePort(vni, mac);
        return Task.FromResult(new P.PausePortResponse { Port = ToProto(port), RedirectTo = target ?? "" });
    }

    /// <inheritdoc />
    public override Task<P.Port> ResumePort(P.PortKey request, ServerCallContext context)
    {
        var (vni, mac) = Key(request.Vni, request.Mac);
        var port = edge.GetPort(vni, mac) ?? throw NoPort(vni, mac);
        edge.ResumePort(vni, mac);
        return Task.FromResult(ToProto(port));
    }

    /// <inheritdoc />
    public override Task<P.Port> ReactivatePort(P.PortKey request, ServerCallContext context)
    {
        var (vni, mac) = Key(request.Vni, request.Mac);
        var port = edge.GetPort(vni, mac) ?? throw NoPort(vni, mac);
        edge.ReactivatePort(vni, mac);
        return Task.FromResult(ToProto(port));
    }

    /// <inheritdoc />
    public override Task<P.Port> SuspendPort(P.SuspendPortRequest request, ServerCallContext context)
    {
        var (vni, mac) = Key(request.Port?.Vni ?? 0, request.Port?.Mac ?? "");
        var port = edge.GetPort(vni, mac) ?? throw NoPort(vni, mac);
        var policy = request.Policy switch
        {
            P.SuspendPolicy.Unspecified or P.SuspendPolicy.Drop => SuspendPolicy.Drop,
            P.SuspendPolicy.Unreachable => SuspendPolicy.Unreachable,
            _ => throw Refuse(StatusCode.InvalidArgument, $"Suspend policy {(int)request.Policy} is not drop or unreachable."),
        };
        try
        {
            edge.SuspendPort(vni, mac, policy);
        }
        catch (ArgumentException ex)
        {
            throw Refuse(StatusCode.FailedPrecondition, ex.Message);
        }
        return Task.FromResult(ToProto(port));
    }

    /// <inheritdoc />
    public override Task<P.PortStatus> GetPort(P.PortKey request, ServerCallContext context)
    {
        var (vni, mac) = Key(request.Vni, request.Mac);
        var status = new P.PortStatus { PreparedTo = edge.GetPreparedRedirect(vni, mac) ?? "" };
        if (edge.GetPort(vni, mac) is { } port)
        {
            status.Port = ToProto(port);
        }
        if (edge.GetRedirect(vni, mac) is { } redirect)
        {
            status.RedirectTo = redirect.Target.Name;
            status.RedirectTimed = redirect.Timed;
        }
        return Task.FromResult(status);
    }

    /// <inheritdoc />
    public override Task<P.ListPortsResponse> ListPorts(P.ListPortsRequest request, ServerCallContext context)
    {
        var response = new P.ListPortsResponse { Nve = edge.Name };
        response.Ports.AddRange(edge.Ports.OrderBy(p => p.Vni).ThenBy(p => p.Mac).Select(ToProto));
        foreach (var (name, value) in edge.Counters.Snapshot())
        {
            response.Counters[name] = value;
        }
        return Task.FromResult(response);
    }

    /// <summary>A port as the API shows it.</summary>
    public static P.Port ToProto(LocalPort port)
    {
        var proto = new P.Port
        {
            Name = port.Port.Name,
            Vni = port.Vni,
            Mac = port.Mac.ToString(),
            State = port.State switch
            {
                PortState.Learning => P.PortState.Learning,
                PortState.Pending => P.PortState.Pending,
                PortState.Active => P.PortState.Active,
                PortState.Paused => P.PortState.Paused,
                PortState.Suspended => P.PortState.Suspended,
                _ => P.PortState.Unspecified,
            },
            Held = (uint)port.HeldCount,
        };
        proto.Ips.AddRange(port.Ips.Select(ip => ip.ToString()));
        return proto;
    }

    private static (uint Vni, MacAddress Mac) Key(uint vni, string mac)
    {
        if (vni is 0 or > 0xFF_FFFF)
        {
            throw Refuse(StatusCode.InvalidArgument, $"VNI {vni} is not a 24-bit network identifier (1–16777215).");
        }
        return MacAddress.TryParse(mac, out var parsed)
            ? (vni, parsed)
            : throw Refuse(StatusCode.InvalidArgument, $"'{mac}' is not a MAC address; write 02:00:00:00:00:01.");
    }

    private RpcException NoPort(uint vni, MacAddress mac) =>
        Refuse(StatusCode.NotFound, $"NVE {edge.Name} has no port for {mac} in VNI {vni}; list them with ListPorts.");

    private static RpcException Refuse(StatusCode code, string message) => new(new Status(code, message));
}
