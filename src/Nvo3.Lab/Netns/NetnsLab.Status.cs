using System.Text.Json.Nodes;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Lab.Netns;

public sealed partial class NetnsLab
{
    /// <summary>
    /// The lab as it is now: each server (name, namespace, underlay, kind, process and whether it
    /// runs) and each VM (name, namespace, the server the NVA says it is active at, MAC, addresses).
    /// </summary>
    public async Task<JsonObject> StatusAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<Binding> bindings = [];
        string? nvaError = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            bindings = await Nva.ListBindingsAsync(Vni, cancellationToken: timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NvaException or OperationCanceledException)
        {
            nvaError = ex.Message;
        }
        var hosts = new JsonArray();
        foreach (var host in State.Hosts)
        {
            hosts.Add(new JsonObject
            {
                ["name"] = host.Name,
                ["netns"] = host.Netns,
                ["underlay"] = host.Underlay,
                ["kind"] = host.Kind,
                ["pid"] = host.Process?.Pid,
                ["running"] = host.Process is { } p ? LabProcess.IsRunning(p.Pid, "nvo3") : null,
                ["agent"] = host.Agent,
            });
        }
        var vms = new JsonArray();
        foreach (var vm in State.Vms)
        {
            var binding = bindings.FirstOrDefault(b => b.Mac == MacAddress.Parse(vm.Mac));
            vms.Add(new JsonObject
            {
                ["name"] = vm.Name,
                ["netns"] = vm.Netns,
                ["host"] = binding?.ActiveNve ?? vm.CurrentHost ?? vm.Host,
                ["mac"] = vm.Mac,
                ["ipv4"] = vm.Ipv4,
                ["ipv6"] = vm.Ipv6,
            });
        }
        return new JsonObject
        {
            ["prefix"] = State.Prefix,
            ["stateDirectory"] = State.StateDirectory,
            ["vni"] = Vni,
            ["updateMode"] = State.UpdateMode,
            ["nva"] = new JsonObject
            {
                ["address"] = State.Nva?.Address,
                ["pid"] = State.Nva?.Pid,
                ["running"] = State.Nva is { } nva && LabProcess.IsRunning(nva.Pid, State.StateDirectory),
                ["error"] = nvaError,
            },
            ["hosts"] = hosts,
            ["vms"] = vms,
        };
    }
}
