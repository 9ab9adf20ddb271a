using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nvo3.Lab.Netns;

/// <summary>
/// What a netns lab made, written to <c>lab.json</c> in its state directory after every step of
/// <c>up</c>, so that <c>status</c>, <c>migrate</c> and <c>down</c> work from another invocation,
/// and <c>down</c> also after an <c>up</c> that failed midway.
/// </summary>
public sealed class NetnsLabState
{
    /// <summary>The file name in the state directory.</summary>
    public const string FileName = "lab.json";

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The name prefix.</summary>
    public required string Prefix { get; init; }

    /// <summary>The state directory.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>The third byte of the underlay 198.18.X.0/24.</summary>
    public required int UnderlayNet { get; init; }

    /// <summary>The VNI of the lab's network.</summary>
    public uint Vni { get; init; } = 100;

    /// <summary>pull or push.</summary>
    public string UpdateMode { get; init; } = "pull";

    /// <summary>The NVA: address and process.</summary>
    public LabProcessRecord? Nva { get; set; }

    /// <summary>The servers.</summary>
    public List<LabHost> Hosts { get; init; } = [];

    /// <summary>The VMs.</summary>
    public List<LabVm> Vms { get; init; } = [];

    /// <summary>The tasks (moved with their TCP connections, TCP_REPAIR).</summary>
    public List<LabVm> Tasks { get; init; } = [];

    /// <summary>Every namespace made, in order.</summary>
    public List<string> Namespaces { get; init; } = [];

    /// <summary>Interfaces made in the root namespace.</summary>
    public List<string> RootLinks { get; init; } = [];

    /// <summary>Other processes (the kernel VTEP's FDB sync).</summary>
    public List<LabProcessRecord> Helpers { get; init; } = [];

    /// <summary>The underlay namespace (a bridge joins every server).</summary>
    [JsonIgnore]
    public string UnderlayNamespace => $"{Prefix}-ul";

    /// <summary>Reads the state in <paramref name="directory"/>, or null when there is none.</summary>
    public static NetnsLabState? Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<NetnsLabState>(File.ReadAllText(path), s_json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not a lab state file ({ex.Message}); remove it, or run nvo3 lab netns down --prefix PREFIX to clean up by name.", ex);
        }
    }

    /// <summary>Writes the state (atomically: a temporary file renamed over the old one).</summary>
    public void Save()
    {
        Directory.CreateDirectory(StateDirectory);
        string path = Path.Combine(StateDirectory, FileName);
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, s_json));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The state as JSON text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, s_json);
}

/// <summary>A process the lab started: what it is, its id, its log, and where it listens.</summary>
/// <param name="Name">What it is (nva, an NVE's name, kv-sync).</param>
/// <param name="Pid">Its process id.</param>
/// <param name="Log">Its log file.</param>
/// <param name="Address">Where it listens (http://HOST:PORT), when it does.</param>
public sealed record LabProcessRecord(string Name, int Pid, string Log, string? Address = null);

/// <summary>A server of the lab.</summary>
/// <param name="Name">Its name (and its NVE's name in the directory).</param>
/// <param name="Netns">Its namespace.</param>
/// <param name="Underlay">Its underlay address.</param>
/// <param name="Kind"><c>nvo3</c> (an NVE process) or <c>kernel</c> (the kernel's vxlan device).</param>
public sealed record LabHost(string Name, string Netns, string Underlay, string Kind)
{
    /// <summary>Its NVE process (nvo3 hosts).</summary>
    public LabProcessRecord? Process { get; set; }

    /// <summary>Its port agent (nvo3 hosts).</summary>
    public string? Agent { get; set; }
}

/// <summary>A VM of the lab: a namespace whose eth0 is a TAP of its server's NVE (or a veth behind the kernel VTEP).</summary>
/// <param name="Name">Its name (the binding's name in the directory).</param>
/// <param name="Netns">Its namespace.</param>
/// <param name="Host">The server it was placed on at <c>up</c> (the NVA says where it is now).</param>
/// <param name="Mac">Its MAC.</param>
/// <param name="Ipv4">Its IPv4 address.</param>
/// <param name="Ipv6">Its IPv6 address.</param>
public sealed record LabVm(string Name, string Netns, string Host, string Mac, string Ipv4, string Ipv6)
{
    /// <summary>The server it is on now, as the last migrate left it.</summary>
    public string? CurrentHost { get; set; }

}
