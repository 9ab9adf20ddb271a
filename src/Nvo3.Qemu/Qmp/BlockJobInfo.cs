using System.Text.Json;

namespace Nvo3.Qemu.Qmp;

/// <summary>One entry of <c>query-block-jobs</c>.</summary>
/// <param name="Device">The job's id (named device for historical reasons).</param>
/// <param name="Type">mirror, commit, stream, backup.</param>
/// <param name="Status">The job state: running, ready, concluded…</param>
/// <param name="Offset">Bytes done.</param>
/// <param name="Length">Bytes to do (grows when the guest writes while a mirror runs).</param>
/// <param name="Ready">True when a mirror is in sync and follows the writes.</param>
/// <param name="Error">Why it failed, when it did.</param>
public sealed record BlockJobInfo(string Device, string Type, string Status, long Offset, long Length, bool Ready, string? Error)
{
    /// <summary>Reads one element of query-block-jobs' reply.</summary>
    public static BlockJobInfo FromJson(JsonElement job) => new(
        JsonFields.String(job, "device") ?? "",
        JsonFields.String(job, "type") ?? "",
        JsonFields.String(job, "status") ?? "",
        JsonFields.Int64(job, "offset") ?? 0,
        JsonFields.Int64(job, "len") ?? 0,
        JsonFields.IsTrue(job, "ready"),
        JsonFields.String(job, "error"));
}
