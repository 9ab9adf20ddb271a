using System.CommandLine;
using System.Globalization;
using Nvo3.Mobility.Qemu;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Nve;
using Nvo3.Packets;
using Nvo3.Qemu.Image;

namespace Nvo3.Cli;

/// <summary><c>nvo3 nve run --qemu</c>: QEMU guests hosted beside the NVE, their NICs on its ports.</summary>
internal static partial class NveCommand
{
    private static Option<string[]> QemuOption() => new("--qemu")
    {
        Description = "Host a QEMU guest here: NAME=VNI/MAC/IP[/IP][,memory=MiB] (repeat for more); its NIC is a port of this NVE (a unix datagram socket pair), "
            + "it is bound in the NVA and moves with nvo3 migrate --mode hot|cold. Builds the guest image first (nvo3 lab image build). Needs --agent-listen.",
    };

    private static Option<bool> QemuArrivalsOption() => new("--qemu-arrivals")
    {
        Description = "Accept QEMU guests moved here by nvo3 migrate even without --qemu (builds the guest image). Needs --agent-listen.",
    };

    // NAME=VNI/MAC/IP[/IP][,memory=MiB][,disk=MiB]
    internal static QemuGuestSpec ParseQemu(string text)
    {
        var fields = text.Split(',');
        int eq = fields[0].IndexOf('=', StringComparison.Ordinal);
        var parts = eq > 0 ? fields[0][(eq + 1)..].Split('/') : [];
        if (eq <= 0 || parts.Length < 3 || !uint.TryParse(parts[0], CultureInfo.InvariantCulture, out uint vni))
        {
            throw new ArgumentException($"--qemu '{text}': write NAME=VNI/MAC/IP[/IP][,memory=MiB], like g1=100/02:00:00:00:00:05/10.0.0.5,memory=256.");
        }
        var spec = new QemuGuestSpec(fields[0][..eq], vni, Arguments.ParseMac(parts[1], "--qemu MAC"), [.. parts.Skip(2).Select(ip => Arguments.ParseIp(ip, "--qemu IP"))]);
        foreach (var field in fields.Skip(1))
        {
            var (key, value) = field.IndexOf('=', StringComparison.Ordinal) is > 0 and var at ? (field[..at], field[(at + 1)..]) : (field, "");
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int mib) || mib <= 0)
            {
                throw new ArgumentException($"--qemu '{text}': '{field}' needs a positive number of MiB.");
            }
            spec = key switch
            {
                "memory" => spec with { MemoryMiB = mib },
                "disk" => throw new ArgumentException($"--qemu '{text}': a disk (disk=MiB) is not supported on NVE-hosted guests yet; QemuMigration mirrors disks, the host does not create them."),
                _ => throw new ArgumentException($"--qemu '{text}': unknown key '{key}'; use memory=MiB."),
            };
        }
        return spec;
    }

    // The QEMU host beside the NVE, its guests started (each address with its virtual network's prefix length, /24 when none contains it).
    private static async Task<QemuHost> StartQemuHostAsync(Edge edge, NvaClient client, IReadOnlyList<QemuGuestSpec> specs, CancellationToken ct)
    {
        var image = await GuestImageBuilder.BuildAsync(new GuestImageOptions(), ct).ConfigureAwait(false);
        var host = new QemuHost(edge, client, image) { MigrationHost = edge.Endpoint.Address.ToString() };
        try
        {
            var networks = await client.ListVirtualNetworksAsync(ct).ConfigureAwait(false);
            foreach (var spec in specs)
            {
                int Prefix(IpAddr ip) => networks.Where(n => n.Vni == spec.Vni).SelectMany(n => n.Subnets).Where(s => s.Contains(ip)).Select(s => (int?)s.Length).FirstOrDefault() ?? (ip.IsV6 ? 64 : 24);
                var v4 = spec.Ips.FirstOrDefault(ip => !ip.IsV6);
                var v6 = spec.Ips.FirstOrDefault(ip => ip.IsV6);
                var boot = new GuestBootArguments
                {
                    Ipv4 = spec.Ips.Any(ip => !ip.IsV6) ? $"{v4}/{Prefix(v4)}" : null,
                    Ipv6 = spec.Ips.Any(ip => ip.IsV6) ? $"{v6}/{Prefix(v6)}" : null,
                };
                var guest = await host.StartGuestAsync(spec with { Boot = boot }, ct).ConfigureAwait(false);
                Console.WriteLine($"nvo3 nve: {edge.Name} runs QEMU guest {guest.Name} ({spec.Mac}, {string.Join(", ", spec.Ips)}, VNI {spec.Vni}, {spec.MemoryMiB} MiB, pid {guest.Vm.Pid})");
            }
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
