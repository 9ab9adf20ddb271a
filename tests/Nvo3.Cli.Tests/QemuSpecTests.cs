using Nvo3.Packets;

namespace Nvo3.Cli.Tests;

/// <summary><c>nvo3 nve run --qemu NAME=VNI/MAC/IP[/IP][,memory=MiB]</c>: what it accepts and what it refuses, saying why.</summary>
public sealed class QemuSpecTests
{
    [Fact]
    public void ParseQemu_FullSpec_TakesEveryField()
    {
        var spec = NveCommand.ParseQemu("g1=100/02:4e:33:00:00:05/10.0.0.5/fd00:100::5,memory=512");

        Assert.Equal("g1", spec.Name);
        Assert.Equal(100u, spec.Vni);
        Assert.Equal(MacAddress.Parse("02:4e:33:00:00:05"), spec.Mac);
        Assert.Equal([IpAddr.Parse("10.0.0.5"), IpAddr.Parse("fd00:100::5")], spec.Ips);
        Assert.Equal(512, spec.MemoryMiB);
    }

    [Fact]
    public void ParseQemu_NoMemory_DefaultsTo256MiB() => Assert.Equal(256, NveCommand.ParseQemu("g1=100/02:4e:33:00:00:05/10.0.0.5").MemoryMiB);

    [Theory]
    [InlineData("g1=100/02:4e:33:00:00:05", "NAME=VNI/MAC/IP")]
    [InlineData("g1=100/02:4e:33:00:00:05/10.0.0.5,memory=0", "positive number of MiB")]
    [InlineData("g1=100/02:4e:33:00:00:05/10.0.0.5,cpus=2", "unknown key 'cpus'")]
    [InlineData("g1=100/02:4e:33:00:00:05/10.0.0.5,disk=64", "not supported")]
    public void ParseQemu_BadSpec_SaysWhatIsWrong(string text, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => NveCommand.ParseQemu(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
