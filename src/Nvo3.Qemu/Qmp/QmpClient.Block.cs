using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nvo3.Qemu.Qmp;

/// <summary>Typed block commands for moving a disk: an NBD export at the destination, a mirror at the source.</summary>
public sealed partial class QmpClient
{
    /// <summary><c>nbd-server-start</c> listening on <paramref name="host"/>:<paramref name="port"/>.</summary>
    public Task NbdServerStartAsync(string host, int port, CancellationToken cancellationToken = default) =>
        ExecuteAsync("nbd-server-start", new JsonObject
        {
            ["addr"] = new JsonObject { ["type"] = "inet", ["data"] = new JsonObject { ["host"] = host, ["port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) } },
        }, cancellationToken);

    /// <summary><c>block-export-add</c>: exports block node <paramref name="nodeName"/> over the NBD server as <paramref name="exportName"/>.</summary>
    public Task BlockExportAddAsync(string id, string nodeName, string exportName, bool writable, CancellationToken cancellationToken = default) =>
        ExecuteAsync("block-export-add", new JsonObject
        {
            ["type"] = "nbd", ["id"] = id, ["node-name"] = nodeName, ["name"] = exportName, ["writable"] = writable,
        }, cancellationToken);

    /// <summary><c>nbd-server-stop</c>: ends the NBD server and its exports.</summary>
    public Task NbdServerStopAsync(CancellationToken cancellationToken = default) => ExecuteAsync("nbd-server-stop", null, cancellationToken);

    /// <summary><c>blockdev-add</c> of an NBD client node <paramref name="nodeName"/> for export <paramref name="exportName"/> at host:port.</summary>
    public Task BlockdevAddNbdAsync(string nodeName, string host, int port, string exportName, CancellationToken cancellationToken = default) =>
        ExecuteAsync("blockdev-add", new JsonObject
        {
            ["driver"] = "nbd", ["node-name"] = nodeName, ["export"] = exportName,
            ["server"] = new JsonObject { ["type"] = "inet", ["host"] = host, ["port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        }, cancellationToken);

    /// <summary><c>blockdev-del</c> of node <paramref name="nodeName"/>.</summary>
    public Task BlockdevDelAsync(string nodeName, CancellationToken cancellationToken = default) =>
        ExecuteAsync("blockdev-del", new JsonObject { ["node-name"] = nodeName }, cancellationToken);

    /// <summary>
    /// <c>blockdev-mirror</c>: job <paramref name="jobId"/> copies node <paramref name="device"/> to
    /// node <paramref name="target"/> (sync full: every block, then every write), ready when in sync.
    /// </summary>
    public Task BlockdevMirrorAsync(string jobId, string device, string target, CancellationToken cancellationToken = default) =>
        ExecuteAsync("blockdev-mirror", new JsonObject
        {
            ["job-id"] = jobId, ["device"] = device, ["target"] = target, ["sync"] = "full",
        }, cancellationToken);

    /// <summary><c>query-block-jobs</c>.</summary>
    public async Task<IReadOnlyList<BlockJobInfo>> QueryBlockJobsAsync(CancellationToken cancellationToken = default)
    {
        var reply = await ExecuteAsync("query-block-jobs", null, cancellationToken).ConfigureAwait(false);
        return reply.ValueKind == JsonValueKind.Array ? [.. reply.EnumerateArray().Select(BlockJobInfo.FromJson)] : [];
    }

    /// <summary>
    /// <c>block-job-cancel</c>. On a ready mirror without <paramref name="force"/> this finishes the
    /// copy and ends the job with the source still in use (BLOCK_JOB_COMPLETED): how a migration ends a mirror.
    /// </summary>
    public Task BlockJobCancelAsync(string jobId, bool force = false, CancellationToken cancellationToken = default) =>
        ExecuteAsync("block-job-cancel", new JsonObject { ["device"] = jobId, ["force"] = force }, cancellationToken);

    /// <summary><c>block-job-complete</c>: a ready mirror pivots the guest onto the copy.</summary>
    public Task BlockJobCompleteAsync(string jobId, CancellationToken cancellationToken = default) =>
        ExecuteAsync("block-job-complete", new JsonObject { ["device"] = jobId }, cancellationToken);
}
