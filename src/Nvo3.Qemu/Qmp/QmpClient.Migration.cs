using System.Text.Json.Nodes;

namespace Nvo3.Qemu.Qmp;

/// <summary>Typed migration commands (QEMU 7.2's qapi/migration.json).</summary>
public sealed partial class QmpClient
{
    /// <summary><c>migrate-set-capabilities</c>: turns each named capability (<see cref="MigrationCapability"/>) on or off.</summary>
    public Task SetMigrationCapabilitiesAsync(IEnumerable<(string Capability, bool Enabled)> capabilities, CancellationToken cancellationToken = default)
    {
        var list = new JsonArray();
        foreach (var (capability, enabled) in capabilities)
        {
            list.Add(new JsonObject { ["capability"] = capability, ["state"] = enabled });
        }
        return ExecuteAsync("migrate-set-capabilities", new JsonObject { ["capabilities"] = list }, cancellationToken);
    }

    /// <summary><c>migrate-set-parameters</c> with the parameters that are set.</summary>
    public Task SetMigrationParametersAsync(MigrationParameters parameters, CancellationToken cancellationToken = default) =>
        ExecuteAsync("migrate-set-parameters", parameters.ToArguments(), cancellationToken);

    /// <summary><c>migrate-incoming</c>: a destination started with <c>-incoming defer</c> listens on <paramref name="uri"/> (e.g. tcp:127.0.0.1:4444).</summary>
    public Task MigrateIncomingAsync(string uri, CancellationToken cancellationToken = default) =>
        ExecuteAsync("migrate-incoming", new JsonObject { ["uri"] = uri }, cancellationToken);

    /// <summary><c>migrate</c>: starts sending the guest to <paramref name="uri"/>; returns at once, the migration runs in QEMU.</summary>
    public Task MigrateAsync(string uri, CancellationToken cancellationToken = default) =>
        ExecuteAsync("migrate", new JsonObject { ["uri"] = uri }, cancellationToken);

    /// <summary><c>query-migrate</c>: status and figures.</summary>
    public async Task<MigrationInfo> QueryMigrateAsync(CancellationToken cancellationToken = default) =>
        MigrationInfo.FromJson(await ExecuteAsync("query-migrate", null, cancellationToken).ConfigureAwait(false));

    /// <summary><c>migrate-continue</c>: leaves the paused state <paramref name="state"/> (pre-switchover).</summary>
    public Task MigrateContinueAsync(string state = MigrationStatus.PreSwitchover, CancellationToken cancellationToken = default) =>
        ExecuteAsync("migrate-continue", new JsonObject { ["state"] = state }, cancellationToken);

    /// <summary><c>migrate_cancel</c>: abandons the outgoing migration; the source guest goes on running.</summary>
    public Task MigrateCancelAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync("migrate_cancel", null, cancellationToken);
}
