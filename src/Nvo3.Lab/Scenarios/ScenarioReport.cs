using System.Text.Json.Serialization;

namespace Nvo3.Lab;

/// <summary>
/// What one scenario measured: the record <c>nvo3 demo --json</c> writes (DESIGN 9). Field names
/// are a contract for scripts: add, never rename.
/// </summary>
public sealed record ScenarioReport
{
    /// <summary>The scenario's name, e.g. l2-ipv4-hot.</summary>
    public required string Name { get; init; }

    /// <summary>"l2" or "l3".</summary>
    public required string Layer { get; init; }

    /// <summary>"ipv4" or "ipv6": the tenant traffic.</summary>
    public required string Family { get; init; }

    /// <summary>"hot", "warm", "cold" or "hot-standby".</summary>
    public required string Mode { get; init; }

    /// <summary>"pull" or "push": how the correspondents' NVEs learn the move.</summary>
    public required string UpdateMode { get; init; }

    /// <summary>Whether the old NVE forwarded packets in flight.</summary>
    public required bool InflightForwarding { get; init; }

    /// <summary>"ipv4" or "ipv6": the underlay between NVEs.</summary>
    public string Underlay { get; init; } = "ipv4";

    /// <summary>The probe stream from the correspondent to the moving workload.</summary>
    public required ProbeFigures Probe { get; init; }

    /// <summary>Packets the old NVE tunnelled to the new one.</summary>
    public long ForwardedInFlight { get; init; }

    /// <summary>Packets the new NVE held and delivered at activation.</summary>
    public long BufferedAtActivation { get; init; }

    /// <summary>How long the workload was paused.</summary>
    public double PauseMs { get; init; }

    /// <summary>The longest gap between consecutive probe deliveries at the workload during the move.</summary>
    public double DowntimeMs { get; init; }

    /// <summary>From the activation at the new NVE until every correspondent NVE forwards to it (−1: did not converge).</summary>
    public double ConvergenceMs { get; init; }

    /// <summary>
    /// Look-ups the correspondent's NVE sent to the NVA from the move's start to the end of the run:
    /// none in push mode (it learns the move from the watch), at least one refresh in pull mode.
    /// </summary>
    public long CorrespondentLookups { get; init; }

    /// <summary>Destination-unreachable messages the correspondent received (a stopped task with policy unreachable).</summary>
    public long Unreachables { get; init; }

    /// <summary>The state transfer.</summary>
    public required MigrationFigures Migration { get; init; }

    /// <summary>No probe lost, the state verified, and the scenario's own checks held.</summary>
    public bool Passed { get; init; }

    /// <summary>What a reader should know about this run.</summary>
    public string Notes { get; init; } = "";

    /// <summary>Each NVE's underlay endpoint, by name (a is the source, b the destination, c the correspondent's).</summary>
    public IReadOnlyDictionary<string, string> NveUnderlay { get; init; } = new Dictionary<string, string>();

    /// <summary>Counters of the NVEs involved, by NVE, for whoever digs deeper.</summary>
    [JsonPropertyName("nveCounters")]
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> NveCounters { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, long>>();

    /// <summary>Every probe and the move's phases, for the HTML report (<c>demo --report</c>); not in the JSON, which stays small.</summary>
    [JsonIgnore]
    public Reports.MoveTimeline? Timeline { get; init; }
}

/// <summary>Probe counts.</summary>
public sealed record ProbeFigures
{
    /// <summary>Milliseconds between probes.</summary>
    public double IntervalMs { get; init; }

    /// <summary>Probes sent.</summary>
    public long Sent { get; init; }

    /// <summary>Distinct probes received.</summary>
    public long Received { get; init; }

    /// <summary>Sent and never received.</summary>
    public long Lost { get; init; }

    /// <summary>Extra copies received.</summary>
    public long Duplicated { get; init; }

    /// <summary>Received after a later one.</summary>
    public long Reordered { get; init; }
}

/// <summary>What moving the workload's state took.</summary>
public sealed record MigrationFigures
{
    /// <summary>Memory size.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>Disk size.</summary>
    public long DiskBytes { get; init; }

    /// <summary>Bytes sent, memory and disk.</summary>
    public long BytesSent { get; init; }

    /// <summary>Pre-copy rounds (hot), checkpoints (warm), 1 (cold).</summary>
    public int Rounds { get; init; }

    /// <summary>The state's hash at the source at pause equals the hash at the destination at resume.</summary>
    public bool StateVerified { get; init; }

    /// <summary>Total time of the transfer.</summary>
    public double TotalMs { get; init; }

    /// <summary>The pause the engine predicted when it switched over (what was left ÷ the measured bandwidth).</summary>
    public double PredictedPauseMs { get; init; }

    /// <summary>Of the pause, the time spent hashing the state at both ends to verify it.</summary>
    public double VerificationMs { get; init; }

    /// <summary>Why the engine switched over (converged, round limit, …).</summary>
    public string Switchover { get; init; } = "";

    /// <summary>The link's measured bandwidth, bytes per second.</summary>
    public double Bandwidth { get; init; }
}

/// <summary>The whole demo report.</summary>
public sealed record DemoReport
{
    /// <summary>Every scenario that ran.</summary>
    public required IReadOnlyList<ScenarioReport> Scenarios { get; init; }
}

/// <summary>Source-generated JSON for the reports.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(DemoReport))]
public sealed partial class ReportJson : JsonSerializerContext;
