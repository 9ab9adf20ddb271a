using Nvo3.Security;
using P = Nvo3.Protocol.V1;

namespace Nvo3.Nva.Grpc;

/// <summary>
/// What each certificate may ask of the NVA (draft section 9: an NVE must not be able to claim
/// another's workloads or rewrite the directory). Operators (and NVA replicas) may do everything.
/// An NVE may read the directory, and act only as itself: register and renew its own record,
/// activate and claim at itself, declare workloads it hosts, and start, advance or abort the move
/// of a workload active at itself (a source agent runs the move) or arriving at itself. Creating
/// networks, adding and removing NVEs, detaching bindings, clearing duplicates and settling a
/// migration are an operator's. A method not listed here is refused: new methods start closed.
/// </summary>
internal static class AccessRules
{
    // Reads: every authenticated peer may look (the NVEs follow the directory to forward).
    private static readonly HashSet<string> Reads =
    [
        "ListNves", "ListVirtualNetworks", "ListBindings", "LookupByIp", "LookupByMac", "Snapshot",
        "GetMigration", "ListMigrations", "Status", "ListRedirects", "Watch", "Lookups",
    ];

    // Health checking and server reflection tell nothing of the directory: every verified peer may
    // call them (load balancers, grpcurl). Matched by service, so no directory method opens with them.
    private static readonly string[] OpenServices =
    [
        "/grpc.health.v1.Health/", "/grpc.reflection.v1.ServerReflection/", "/grpc.reflection.v1alpha.ServerReflection/",
    ];

    /// <summary>True for a method of the health or reflection services (<paramref name="fullMethod"/> is /package.Service/Method).</summary>
    public static bool IsOpen(string fullMethod) => OpenServices.Any(s => fullMethod.StartsWith(s, StringComparison.Ordinal));

    /// <summary>
    /// Why <paramref name="caller"/> may not call <paramref name="method"/> with
    /// <paramref name="request"/>, or null when it may.
    /// </summary>
    public static async Task<string?> RefusalAsync(PeerIdentity caller, string method, object? request, Authority authority, CancellationToken cancellationToken)
    {
        if (caller.Role is PeerRole.Operator or PeerRole.Nva || Reads.Contains(method))
        {
            return null;
        }
        if (caller.Role != PeerRole.Nve)
        {
            return $"{caller} may not call {method}.";
        }
        string self = caller.Name;
        string? actingFor = request switch
        {
            P.RegisterNveRequest r => r.Name,
            P.KeepAliveRequest r => r.Name,
            P.ActivateRequest r => r.Nve,
            P.AttachRequest r => r.Nve,
            P.AssociateRequest r when r.Nve == self => r.Nve,
            P.AssociateRequest r => await ActiveNveAsync(authority, r.Vni, r.Mac, cancellationToken).ConfigureAwait(false),
            P.PlacementRequest r when r.Nve == self => r.Nve,
            P.PlacementRequest r => await ActiveNveAsync(authority, r.Vni, r.Mac, cancellationToken).ConfigureAwait(false),
            P.BeginMigrationRequest r => await MovingFromAsync(authority, r, cancellationToken).ConfigureAwait(false),
            P.MigrationRef r when method is "PauseMigration" or "CommitMigration" => await PartyAsync(authority, r.Id, self, cancellationToken).ConfigureAwait(false),
            P.AbortMigrationRequest r => await PartyAsync(authority, r.Id, self, cancellationToken).ConfigureAwait(false),
            _ => null,
        };
        return actingFor == self ? null : Refusal(caller, method, actingFor);
    }

    private static string Refusal(PeerIdentity caller, string method, string? actingFor) => actingFor switch
    {
        null when method is "AddNve" or "RemoveNve" or "CreateVirtualNetwork" or "DeleteVirtualNetwork" or "Detach" or "ClearDuplicate" or "SettleMigration"
            => $"{method} needs an operator's certificate; {caller} is an NVE's.",
        null => $"{caller} may not call {method}: it is not the NVE this concerns.",
        "" => $"{caller} may not call {method} for a workload active at no NVE.",
        _ => $"{caller} may not call {method} for {actingFor}: an NVE acts only as itself.",
    };

    // The NVE a binding is active at, "" when none, null when the request names no binding (the service refuses it then).
    private static async Task<string?> ActiveNveAsync(Authority authority, uint vni, string mac, CancellationToken cancellationToken) =>
        Packets.MacAddress.TryParse(mac, out var parsed)
            ? (await authority.GetBindingAsync(vni, parsed, cancellationToken).ConfigureAwait(false))?.ActiveNve ?? ""
            : null;

    private static async Task<string?> MovingFromAsync(Authority authority, P.BeginMigrationRequest request, CancellationToken cancellationToken)
    {
        if (request.Name.Length > 0)
        {
            return (await authority.FindByNameAsync(request.Name, cancellationToken).ConfigureAwait(false))?.ActiveNve ?? "";
        }
        return await ActiveNveAsync(authority, request.Vni, request.Mac, cancellationToken).ConfigureAwait(false);
    }

    // The caller when it is the migration's source or destination; else the source it is not.
    private static async Task<string?> PartyAsync(Authority authority, string id, string self, CancellationToken cancellationToken)
    {
        var migration = await authority.GetMigrationAsync(id, cancellationToken).ConfigureAwait(false);
        return migration is null ? null : migration.Source == self || migration.Destination == self ? self : migration.Source;
    }
}
