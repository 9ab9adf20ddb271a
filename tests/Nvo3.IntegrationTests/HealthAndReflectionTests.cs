using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;
using static Nvo3.IntegrationTests.InspectCommands;

namespace Nvo3.IntegrationTests;

/// <summary>
/// gRPC health checking and server reflection on every server, as a load balancer or grpcurl sees
/// them: the NVA of <c>nvo3 nva serve</c> and the agent of <c>nvo3 nve run</c>.
/// </summary>
public sealed class HealthAndReflectionTests
{
    [Fact]
    public async Task HealthAndReflection_NvaAndAgent_ServingAndListTheirServices()
    {
        var (nva, address) = await Nvo3Process.StartNvaAsync("memory", Patience);
        using (nva)
        {
            using var client = new NvaClient(address);
            await client.CreateVirtualNetworkAsync(new VirtualNetwork(100, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromSeconds(30)));
            byte net = (byte)Random.Shared.Next(10, 250);
            using var a = Nvo3Process.Start("nve", "run", "--name", "a", "--underlay", $"127.0.{net}.1", "--agent-listen", $"127.0.{net}.1:0",
                "--nva", $"{address.Host}:{address.Port}", "--vm", "vm1=100/02:00:00:00:00:31/10.0.0.31", "--vm-memory-mib", "4", "--vm-disk-mib", "1");
            var agent = new Uri(await AgentOfAsync(a));

            Assert.Contains("nvo3.v1.Directory", await CheckAndListAsync(address));
            var agentServices = await CheckAndListAsync(agent);
            Assert.Contains("nvo3.agent.v1.PortAgent", agentServices);
            Assert.Contains("nvo3.agent.v1.Inspect", agentServices);
            Assert.Contains("nvo3.agent.v1.Migrations", agentServices);
        }
    }

    // Asserts the server answers SERVING and returns the services reflection lists (health among them).
    private static async Task<List<string>> CheckAndListAsync(Uri server)
    {
        using var channel = GrpcChannel.ForAddress(server);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("grpc.health.v1.Health", services);
        return services;
    }
}
