using Nvo3.Lab;
using Nvo3.Lab.Netns;

namespace Nvo3.Linux.Tests;

/// <summary><c>nvo3 bench netns</c> in short: both data planes measured in one run, ratios computed, nothing left behind.</summary>
public class BenchNetnsTests
{
    [Fact]
    public async Task RunAsync_OneSecondEach_MeasuresKernelAndNvo3AndCleansUp()
    {
        Root.Require();
        Root.RequireTool("ping", "-V", "iputils-ping");
        Root.RequireTool("iperf3", "--version", "iperf3");
        string prefix = Root.UniquePrefix();

        var result = await NetnsBenchmark.RunAsync(TimeSpan.FromSeconds(1), prefix, Nvo3Cli.Command);

        foreach (var figures in new[] { result.Kernel, result.Nvo3 })
        {
            Assert.True(figures.TcpGoodputBps > 1e6, $"TCP {figures.TcpGoodputBps} bit/s");
            Assert.True(figures.SmallPacketsPerSecond > 100, $"{figures.SmallPacketsPerSecond} packets/s");
            Assert.True(figures.PingRttMs > 0);
        }
        Assert.Equal(result.Nvo3.TcpGoodputBps / result.Kernel.TcpGoodputBps, result.TcpRatio, 6);
        Assert.DoesNotContain(HostCommand.Namespaces(), n => n.StartsWith(prefix, StringComparison.Ordinal));
        Assert.DoesNotContain(HostCommand.Links(), l => l.StartsWith(prefix, StringComparison.Ordinal));
    }
}
