using CsCheck;

namespace Nvo3.Packets.Tests;

public class IpPrefixTests
{
    [Theory]
    [InlineData("10.1.2.3/24", "10.1.2.0", 24, "10.1.2.0/24")]
    [InlineData("10.1.2.3/32", "10.1.2.3", 32, "10.1.2.3/32")]
    [InlineData("10.1.2.3/0", "0.0.0.0", 0, "0.0.0.0/0")]
    [InlineData("fd00::1/64", "fd00::", 64, "fd00::/64")]
    [InlineData("2001:db8:ffff::1/35", "2001:db8:e000::", 35, "2001:db8:e000::/35")]
    [InlineData("::1/128", "::1", 128, "::1/128")]
    [InlineData("fd00::1/0", "::", 0, "::/0")]
    public void Parse_ClearsHostBits(string text, string address, int length, string formatted)
    {
        var prefix = IpPrefix.Parse(text);

        Assert.Equal(IpAddr.Parse(address), prefix.Address);
        Assert.Equal(length, prefix.Length);
        Assert.Equal(formatted, prefix.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("10.0.0.0")]
    [InlineData("/24")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/33")]
    [InlineData("fd00::/129")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/+8")]
    [InlineData("10.0.0.0/ 8")]
    [InlineData("10.0.0.0/8/8")]
    [InlineData("10.0.0/8")]
    [InlineData("010.0.0.0/8")]
    [InlineData("x/8")]
    public void TryParse_Malformed_IsFalseWithAReason(string? text)
    {
        Assert.False(IpPrefix.TryParse(text, out var prefix, out var why));
        Assert.False(string.IsNullOrWhiteSpace(why));
        Assert.Equal(default, prefix);
    }

    [Fact]
    public void Parse_Malformed_ThrowsFormatExceptionWithTheReason()
    {
        var ex = Assert.Throws<FormatException>(() => IpPrefix.Parse("10.0.0.0/40"));

        Assert.Contains("0 to 32", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Contains_SameFamilyInside_IsTrue()
    {
        var prefix = IpPrefix.Parse("10.1.0.0/16");

        Assert.True(prefix.Contains(IpAddr.Parse("10.1.255.255")));
        Assert.True(prefix.Contains(IpAddr.Parse("10.1.0.0")));
        Assert.False(prefix.Contains(IpAddr.Parse("10.2.0.0")));
        Assert.False(prefix.Contains(IpAddr.Parse("::a01:0")));
        Assert.True(IpPrefix.Parse("::/0").Contains(IpAddr.Parse("ff02::1")));
        Assert.False(IpPrefix.Parse("::/0").Contains(IpAddr.Parse("1.2.3.4")));
    }

    [Fact]
    public void ToString_ThenParse_RoundTrips()
    {
        var prefixes = Gen.OneOf(
            Gen.Select(PacketGen.IPv4, Gen.Int[0, 32]),
            Gen.Select(PacketGen.IPv6, Gen.Int[0, 128]));
        prefixes.Sample((address, length) =>
        {
            var prefix = new IpPrefix(address, length);

            Assert.True(prefix.Contains(address));
            Assert.Equal(prefix, IpPrefix.Parse(prefix.ToString()));
            Assert.Equal(prefix, IpPrefix.Parse($"{address}/{length}"));
            Assert.Equal(prefix.Address, new IpPrefix(prefix.Address, length).Address);
        }, iter: 5000);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(33)]
    public void Constructor_LengthOutOfRange_Throws(int length)
    {
        Assert.Throws<ArgumentException>(() => new IpPrefix(IpAddr.Parse("10.0.0.0"), length));
    }
}
