using CsCheck;

namespace Nvo3.Packets.Tests;

public class MacAddressTests
{
    [Theory]
    [InlineData("02:00:00:00:00:01", 0x0200_0000_0001UL, "02:00:00:00:00:01")]
    [InlineData("52-54-00-AB-CD-EF", 0x5254_00AB_CDEFUL, "52:54:00:ab:cd:ef")]
    [InlineData("ff:ff:ff:ff:ff:ff", 0xFFFF_FFFF_FFFFUL, "ff:ff:ff:ff:ff:ff")]
    [InlineData("00:00:00:00:00:00", 0UL, "00:00:00:00:00:00")]
    public void Parse_SixHexBytes_GivesValueAndLowercaseText(string text, ulong value, string formatted)
    {
        var mac = MacAddress.Parse(text);

        Assert.Equal(value, mac.Value);
        Assert.Equal(formatted, mac.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("02:00:00:00:00")]
    [InlineData("02:00:00:00:00:01:02")]
    [InlineData("02:00:00:00:00:1")]
    [InlineData("02:00:00:00:00:0g")]
    [InlineData("02.00.00.00.00.01")]
    [InlineData("0200.0000.0001")]
    [InlineData("020000000001")]
    [InlineData("+2:00:00:00:00:01")]
    [InlineData(" 2:00:00:00:00:01")]
    [InlineData("02:00:00:00:00:01 ")]
    public void TryParse_NotSixHexBytes_IsFalse(string? text)
    {
        Assert.False(MacAddress.TryParse(text, out var mac));
        Assert.Equal(default, mac);
    }

    [Fact]
    public void Parse_Malformed_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => MacAddress.Parse("not a mac"));
    }

    [Fact]
    public void ToString_ThenParse_RoundTrips()
    {
        PacketGen.Mac.Sample(mac =>
        {
            string text = mac.ToString();
            Span<char> buffer = stackalloc char[17];

            Assert.Equal(mac, MacAddress.Parse(text));
            Assert.Equal(mac, MacAddress.Parse(text.Replace(':', '-').ToUpperInvariant()));
            Assert.True(mac.TryFormat(buffer, out int written, default, null));
            Assert.Equal(17, written);
            Assert.Equal(text, buffer.ToString());
            Assert.False(mac.TryFormat(buffer[..16], out _, default, null));
        }, iter: 2000);
    }

    [Fact]
    public void WriteTo_ThenRead_RoundTrips()
    {
        PacketGen.Mac.Sample(mac =>
        {
            var bytes = new byte[6];
            mac.WriteTo(bytes);

            Assert.Equal(mac, new MacAddress(bytes));
            Assert.Equal(Convert.ToHexString(bytes).ToLowerInvariant(), mac.ToString().Replace(":", "", StringComparison.Ordinal));
        }, iter: 1000);
    }

    [Fact]
    public void Constructor_ValueOver48Bits_KeepsLow48()
    {
        Assert.Equal(0x1234_5678_9ABCUL, new MacAddress(0xFFFF_1234_5678_9ABCUL).Value);
    }

    [Fact]
    public void Constructor_SpanShorterThan6_Throws()
    {
        Assert.Throws<ArgumentException>(() => new MacAddress(new byte[5].AsSpan()));
    }

    [Fact]
    public void Equality_AndOrder_FollowTheValue()
    {
        var a = MacAddress.Parse("02:00:00:00:00:01");
        var b = MacAddress.Parse("02:00:00:00:00:02");

        Assert.True(a == MacAddress.Parse("02-00-00-00-00-01"));
        Assert.True(a != b);
        Assert.True(a.CompareTo(b) < 0);
        Assert.Equal(a.GetHashCode(), new MacAddress(0x0200_0000_0001).GetHashCode());
        Assert.True(a.Equals((object)new MacAddress(0x0200_0000_0001)));
        Assert.True(MacAddress.Zero.IsZero);
        Assert.True(MacAddress.Broadcast.IsBroadcast);
    }

    [Theory]
    [InlineData("ff02::1", "33:33:00:00:00:01")]
    [InlineData("ff02::1:ff12:3456", "33:33:ff:12:34:56")]
    [InlineData("ff05::1:3", "33:33:00:01:00:03")]
    public void ForIPv6Multicast_Is3333AndLow32Bits(string group, string mac)
    {
        Assert.Equal(MacAddress.Parse(mac), MacAddress.ForIPv6Multicast(IpAddr.Parse(group)));
    }
}
