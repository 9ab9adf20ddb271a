using Nvo3.Packets;
using P = Nvo3.Protocol.V1;

namespace Nvo3.Nva.Grpc;

/// <summary>Converts between the directory's records and the gRPC contract, both ways.</summary>
public static class ProtoMapping
{
    /// <summary>Milliseconds since the Unix epoch (0 for null).</summary>
    public static long ToUnixMs(DateTimeOffset? time) => time is { } t
        ? (t == DateTimeOffset.MaxValue ? long.MaxValue : t.ToUnixTimeMilliseconds())
        : 0;

    /// <summary>The time of milliseconds since the Unix epoch (null for 0).</summary>
    public static DateTimeOffset? FromUnixMs(long ms) => ms == 0 ? null
        : ms == long.MaxValue ? DateTimeOffset.MaxValue
        : DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>An ILA locator or SIR prefix (the high 64 bits) as "ADDR/64".</summary>
    public static string FormatPrefix64(ulong? high) => high is { } h ? $"{IpAddr.FromV6(new UInt128(h, 0))}/64" : "";

    /// <summary>Parses "ADDR/64" into its high 64 bits; empty gives null.</summary>
    public static ulong? ParsePrefix64(string? text, string field)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        var prefix = Arguments.ParsePrefix(text, field);
        if (!prefix.Address.IsV6 || prefix.Length != 64)
        {
            throw new NvaException(NvaError.InvalidArgument, $"The {field} '{text}' must be an IPv6 /64 prefix, like fd00:ffff:1::/64.");
        }
        return (ulong)(prefix.Address.V6Value >> 64);
    }

    /// <summary>Record to message.</summary>
    public static P.VirtualNetwork ToProto(VirtualNetwork n)
    {
        var m = new P.VirtualNetwork
        {
            Vni = n.Vni,
            Name = n.Name,
            Mode = n.Mode == NetworkMode.L3 ? P.NetworkMode.L3 : P.NetworkMode.L2,
            CacheLifetimeMs = (uint)n.CacheLifetime.TotalMilliseconds,
            IlaSirPrefix = FormatPrefix64(n.IlaSirPrefix),
            Deleting = n.Deleting,
        };
        m.Subnets.AddRange(n.Subnets.Select(s => s.ToString()));
        m.Gateways.AddRange(n.Gateways.Select(g => new P.Gateway { Ip = g.Ip.ToString(), Mac = g.Mac.ToString() }));
        return m;
    }

    /// <summary>Message to record.</summary>
    public static VirtualNetwork FromProto(P.VirtualNetwork m) => new(
        m.Vni,
        m.Name,
        m.Mode == P.NetworkMode.L3 ? NetworkMode.L3 : NetworkMode.L2,
        m.Subnets.Select(s => Arguments.ParsePrefix(s)).ToList(),
        m.Gateways.Select(g => new Gateway(Arguments.ParseIp(g.Ip, "gateway ip"), Arguments.ParseMac(g.Mac, "gateway mac"))).ToList(),
        TimeSpan.FromMilliseconds(m.CacheLifetimeMs),
        ParsePrefix64(m.IlaSirPrefix, "ILA SIR prefix"),
        m.Deleting);

    /// <summary>Record to message.</summary>
    public static P.Nve ToProto(NveRecord n, DateTimeOffset now)
    {
        var m = new P.Nve
        {
            Name = n.Name,
            IlaLocator = FormatPrefix64(n.IlaLocator),
            External = n.External,
            LeaseExpiresUnixMs = ToUnixMs(n.LeaseExpires),
            Alive = n.IsAlive(now),
            RegisteredUnixMs = ToUnixMs(n.Registered),
            Agent = n.Agent ?? "",
            DownSinceUnixMs = ToUnixMs(n.Down),
        };
        m.Underlay.AddRange(n.Underlay.Select(ToProto));
        return m;
    }

    /// <summary>Message to record.</summary>
    public static NveRecord FromProto(P.Nve m) => new(
        m.Name,
        m.Underlay.Select(FromProto).ToList(),
        ParsePrefix64(m.IlaLocator, "ILA locator"),
        m.External,
        FromUnixMs(m.RegisteredUnixMs) ?? DateTimeOffset.UnixEpoch,
        FromUnixMs(m.LeaseExpiresUnixMs),
        string.IsNullOrEmpty(m.Agent) ? null : m.Agent,
        FromUnixMs(m.DownSinceUnixMs));

    /// <summary>Record to message.</summary>
    public static P.UnderlayEndpoint ToProto(UnderlayEndpoint e) => new() { Address = e.Address.ToString(), Port = e.Port };

    /// <summary>Message to record; port 0 means 4789.</summary>
    public static UnderlayEndpoint FromProto(P.UnderlayEndpoint m)
    {
        if (m.Port > ushort.MaxValue)
        {
            throw new NvaException(NvaError.InvalidArgument, $"Underlay port {m.Port} is out of range.");
        }
        return new UnderlayEndpoint(Arguments.ParseIp(m.Address, "underlay address"), m.Port == 0 ? VxlanHeader.UdpPort : (ushort)m.Port);
    }

    /// <summary>Record to message.</summary>
    public static P.Binding ToProto(Binding b, DateTimeOffset now, TimeSpan duplicateWindow)
    {
        var m = new P.Binding
        {
            Vni = b.Vni,
            Mac = b.Mac.ToString(),
            Name = b.Name,
            Sticky = b.Sticky,
            Sequence = (ulong)b.Sequence,
            LastTrigger = ToProto(b.LastTrigger),
            Duplicate = b.Duplicate,
            FrozenUntilUnixMs = b.FrozenUntil > now ? ToUnixMs(b.FrozenUntil) : 0,
            MigrationId = b.MigrationId ?? "",
            UpdatedUnixMs = ToUnixMs(b.Updated),
            UnplannedMovesInWindow = (uint)b.UnplannedMoves.Count(t => t > now - duplicateWindow),
        };
        m.Ips.AddRange(b.Ips.Select(ip => ip.ToString()));
        m.Placements.AddRange(b.Placements.Select(p => new P.Placement
        {
            Nve = p.Nve,
            State = p.State == PlacementState.Activated ? P.PlacementState.Activated : P.PlacementState.Associated,
            SinceUnixMs = ToUnixMs(p.Since),
        }));
        return m;
    }

    /// <summary>Message to record (unplanned-move times are not carried; only their count).</summary>
    public static Binding FromProto(P.Binding m) => new(
        m.Vni,
        Arguments.ParseMac(m.Mac),
        m.Ips.Select(ip => Arguments.ParseIp(ip)).ToList(),
        m.Name,
        m.Sticky,
        m.Placements.Select(p => new Placement(p.Nve, p.State == P.PlacementState.Activated ? PlacementState.Activated : PlacementState.Associated, FromUnixMs(p.SinceUnixMs) ?? DateTimeOffset.UnixEpoch)).ToList(),
        (long)m.Sequence,
        FromProto(m.LastTrigger),
        FromUnixMs(m.UpdatedUnixMs) ?? DateTimeOffset.UnixEpoch,
        [],
        m.Duplicate,
        FromUnixMs(m.FrozenUntilUnixMs),
        string.IsNullOrEmpty(m.MigrationId) ? null : m.MigrationId);

    /// <summary>Record to message.</summary>
    public static P.Migration ToProto(Migration g) => ToProto(g, null);

    /// <summary>Record to message, with the deadline of its phase (when the NVA's leader settles it).</summary>
    public static P.Migration ToProto(Migration g, DateTimeOffset? deadline) => new()
    {
        Id = g.Id,
        Vni = g.Vni,
        Mac = g.Mac.ToString(),
        Name = g.Name,
        Source = g.Source,
        Destination = g.Destination,
        Mode = ToProto(g.Mode),
        Phase = ToProto(g.Phase),
        StartedUnixMs = ToUnixMs(g.Started),
        PausedUnixMs = ToUnixMs(g.Paused),
        ActivatedUnixMs = ToUnixMs(g.Activated),
        EndedUnixMs = ToUnixMs(g.Ended),
        Result = g.Result ?? "",
        RequestId = g.RequestId ?? "",
        SettledBy = g.SettledBy ?? "",
        DeadlineUnixMs = ToUnixMs(deadline),
    };

    /// <summary>Message to record.</summary>
    public static Migration FromProto(P.Migration m) => new(
        m.Id, m.Vni, Arguments.ParseMac(m.Mac), m.Name, m.Source, m.Destination, FromProto(m.Mode),
        FromProto(m.Phase),
        FromUnixMs(m.StartedUnixMs) ?? DateTimeOffset.UnixEpoch, FromUnixMs(m.PausedUnixMs), FromUnixMs(m.ActivatedUnixMs),
        FromUnixMs(m.EndedUnixMs), string.IsNullOrEmpty(m.Result) ? null : m.Result,
        string.IsNullOrEmpty(m.RequestId) ? null : m.RequestId, string.IsNullOrEmpty(m.SettledBy) ? null : m.SettledBy, FromUnixMs(m.DeadlineUnixMs));

    /// <summary>Record to message.</summary>
    public static P.Redirect ToProto(Redirect r) => new()
    {
        Vni = r.Vni,
        Mac = r.Mac.ToString(),
        OldNve = r.OldNve,
        NewNve = r.NewNve,
        MigrationId = r.MigrationId ?? "",
        Active = r.Active,
        ExpiresUnixMs = ToUnixMs(r.Expires),
        HoldMs = r.Hold is { } hold ? (long)hold.TotalMilliseconds : 0,
    };

    /// <summary>Message to record.</summary>
    public static Redirect FromProto(P.Redirect m) => new(
        m.Vni, Arguments.ParseMac(m.Mac), m.OldNve, m.NewNve, string.IsNullOrEmpty(m.MigrationId) ? null : m.MigrationId, m.Active, FromUnixMs(m.ExpiresUnixMs))
    {
        Hold = m.HoldMs > 0 ? TimeSpan.FromMilliseconds(m.HoldMs) : null,
    };

    /// <summary>Trigger to message.</summary>
    public static P.MoveTrigger ToProto(MoveTrigger t) => (P.MoveTrigger)((int)t + 1);

    /// <summary>Message to trigger (unspecified: API).</summary>
    public static MoveTrigger FromProto(P.MoveTrigger t) => t == P.MoveTrigger.Unspecified ? MoveTrigger.Api : (MoveTrigger)((int)t - 1);

    /// <summary>Mode to message.</summary>
    public static P.MigrationMode ToProto(MigrationMode mode) => mode switch
    {
        MigrationMode.Hot => P.MigrationMode.Hot,
        MigrationMode.Warm => P.MigrationMode.Warm,
        MigrationMode.Cold => P.MigrationMode.Cold,
        MigrationMode.HotStandby => P.MigrationMode.Standby,
        _ => throw new NvaException(NvaError.InvalidArgument, $"Migration mode {(int)mode} is not hot, warm, cold or hot-standby."),
    };

    /// <summary>Message to mode (unspecified: hot).</summary>
    public static MigrationMode FromProto(P.MigrationMode mode) => mode switch
    {
        P.MigrationMode.Unspecified or P.MigrationMode.Hot => MigrationMode.Hot,
        P.MigrationMode.Warm => MigrationMode.Warm,
        P.MigrationMode.Cold => MigrationMode.Cold,
        P.MigrationMode.Standby => MigrationMode.HotStandby,
        _ => throw new NvaException(NvaError.InvalidArgument, $"Migration mode {(int)mode} is not hot, warm, cold or hot-standby."),
    };

    /// <summary>Phase to message: the steps the NVA never records map to the last one it does.</summary>
    public static P.MigrationPhase ToProto(MigrationPhase phase) => phase switch
    {
        MigrationPhase.Prepared or MigrationPhase.PreCopy or MigrationPhase.Protecting => P.MigrationPhase.Prepared,
        MigrationPhase.Paused or MigrationPhase.Activating => P.MigrationPhase.Paused,
        MigrationPhase.Activated => P.MigrationPhase.Activated,
        MigrationPhase.Completed => P.MigrationPhase.Completed,
        _ => P.MigrationPhase.Aborted,
    };

    /// <summary>Message to phase (unspecified: prepared).</summary>
    public static MigrationPhase FromProto(P.MigrationPhase phase) => phase switch
    {
        P.MigrationPhase.Paused => MigrationPhase.Paused,
        P.MigrationPhase.Activated => MigrationPhase.Activated,
        P.MigrationPhase.Completed => MigrationPhase.Completed,
        P.MigrationPhase.Aborted => MigrationPhase.Aborted,
        _ => MigrationPhase.Prepared,
    };
}
