using System.Net;
using System.Net.Sockets;
using CsCheck;

namespace Nvo3.Packets.Tests;

public class IpAddrTests
{
    [Theory]
    [InlineData("10.0.0.1", 0x0A00_0001u)]
    [InlineData("0.0.0.0", 0u)]
    [InlineData("255.255.255.255", 0xFFFF_FFFFu)]
    [InlineData("192.0.2.250", 0xC000_02FAu)]
    public void Parse_DottedQuad_GivesValue(string text, uint value)
    {
        var address = IpAddr.Parse(text);

        Assert.True(address.IsV4);
        Assert.False(address.IsV6);
        Assert.Equal(value, address.V4Value);
        Assert.Equal(4, address.ByteLength);
        Assert.Equal(32, address.BitLength);
        Assert.Equal(AddressFamily.InterNetwork, address.Family);
        Assert.Equal(text, address.ToString());
    }

    [Theory]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1")]
    [InlineData("fd00:0:0:1:0:0:0:0", "fd00:0:0:1::")]
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1")]
    [InlineData("::ffff:10.0.0.1", "::ffff:10.0.0.1")]
    public void Parse_IPv6_FormatsPerRfc5952(string text, string formatted)
    {
        var address = IpAddr.Parse(text);

        Assert.True(address.IsV6);
        Assert.Equal(16, address.ByteLength);
        Assert.Equal(128, address.BitLength);
        Assert.Equal(AddressFamily.InterNetworkV6, address.Family);
        Assert.Equal(formatted, address.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("10.1")]
    [InlineData("10.1.2")]
    [InlineData("1.2.3.4.5")]
    [InlineData("1.2.3.256")]
    [InlineData("1.2.3.")]
    [InlineData(".1.2.3")]
    [InlineData("1..2.3")]
    [InlineData("010.0.0.1")] // IPAddress reads this as octal 8.0.0.1
    [InlineData("0x0a.0.0.1")] // and this as hex 10.0.0.1
    [InlineData("1.2.3.04")]
    [InlineData("+1.2.3.4")]
    [InlineData("1.2.3.4 ")]
    [InlineData(" 1.2.3.4")]
    [InlineData("1.2.3.4/32")]
    [InlineData("1.2.3.4:80")]
    [InlineData("fe80::1%eth0")]
    [InlineData("fe80::1%2")]
    [InlineData("[::1]")]
    [InlineData("[::1]:80")]
    [InlineData(":::")]
    [InlineData("2001:db8::g")]
    [InlineData("2001:db8:1:2:3:4:5:6:7")]
    public void TryParse_NotAPlainAddress_IsFalse(string? text)
    {
        Assert.False(IpAddr.TryParse(text, out var address));
        Assert.Equal(default, address);
    }

    [Fact]
    public void Parse_Malformed_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => IpAddr.Parse("10.0.0"));
    }

    [Fact]
    public void ToString_ThenParse_RoundTripsEveryAddress()
    {
        Gen.OneOf(PacketGen.IPv4, PacketGen.IPv6).Sample(address =>
        {
            string text = address.ToString();

            Assert.True(IpAddr.TryParse(text, out var parsed), text);
            Assert.Equal(address, parsed);
            Assert.Equal(IPAddress.Parse(text), address.ToIPAddress());
        }, iter: 5000);
    }

    [Fact]
    public void TryFormat_AnyAddress_WritesWhatToStringReturns()
    {
        Gen.OneOf(PacketGen.IPv4, PacketGen.IPv6).Sample(address =>
        {
            Span<char> buffer = stackalloc char[64];

            Assert.True(address.TryFormat(buffer, out int written, default, null));
            Assert.Equal(address.ToString(), buffer[..written].ToString());
            Assert.False(address.TryFormat(buffer[..(written - 1)], out _, default, null));
            Assert.Equal(address.ToString(), $"{address}");
        }, iter: 1000);
    }

    [Fact]
    public void WriteTo_ThenRead_RoundTrips()
    {
        Gen.OneOf(PacketGen.IPv4, PacketGen.IPv6).Sample(address =>
        {
            var bytes = new byte[16];
            address.WriteTo(bytes);

            var read = address.IsV6 ? IpAddr.ReadV6(bytes) : IpAddr.ReadV4(bytes);
            Assert.Equal(address, read);
            Assert.Equal(address.ToIPAddress().GetAddressBytes(), bytes[..address.ByteLength]);
        }, iter: 1000);
    }

    [Fact]
    public void FromIPAddress_V4MappedV6_StaysIPv6()
    {
        var address = IpAddr.FromIPAddress(IPAddress.Parse("::ffff:192.0.2.1"));

        Assert.True(address.IsV6);
        Assert.Equal(new UInt128(0, 0xFFFF_C000_0201), address.V6Value);
        Assert.Equal(0u, address.V4Value);
    }

    [Fact]
    public void Equals_SameBitsOtherFamily_IsFalse()
    {
        Assert.NotEqual(IpAddr.V4Any, IpAddr.V6Any);
        Assert.True(IpAddr.V4Any != IpAddr.V6Any);
        Assert.NotEqual(IpAddr.FromV4(1), IpAddr.FromV6(1));
        Assert.Equal(IpAddr.FromV4(1), IpAddr.Parse("0.0.0.1"));
        Assert.Equal(IpAddr.FromV4(1).GetHashCode(), IpAddr.Parse("0.0.0.1").GetHashCode());
    }

    [Fact]
    public void CompareTo_MixedFamilies_IPv4FirstThenNumeric()
    {
        var sorted = new[] { "::1", "10.0.0.2", "fd00::", "10.0.0.10", "0.0.0.0", "::" }.Select(IpAddr.Parse).Order().Select(a => a.ToString());

        Assert.Equal(["0.0.0.0", "10.0.0.2", "10.0.0.10", "::", "::1", "fd00::"], sorted);
        Assert.True(IpAddr.Parse("10.0.0.2") < IpAddr.Parse("10.0.0.10"));
        Assert.True(IpAddr.Parse("255.255.255.255") < IpAddr.Parse("::"));
        Assert.True(IpAddr.Parse("::1") >= IpAddr.Parse("::1"));
        Assert.True(IpAddr.Parse("::2") > IpAddr.Parse("::1"));
        Assert.True(IpAddr.Parse("::1") <= IpAddr.Parse("::2"));
    }

    [Theory]
    [InlineData("0.0.0.0", true, false, false)]
    [InlineData("::", true, false, false)]
    [InlineData("224.0.0.1", false, true, false)]
    [InlineData("239.255.255.255", false, true, false)]
    [InlineData("223.255.255.255", false, false, false)]
    [InlineData("ff02::1", false, true, false)]
    [InlineData("fe80::1", false, false, true)]
    [InlineData("febf:ffff::1", false, false, true)]
    [InlineData("fec0::1", false, false, false)]
    [InlineData("2001:db8::1", false, false, false)]
    public void Classification_FollowsTheAddressBlocks(string text, bool unspecified, bool multicast, bool linkLocal)
    {
        var address = IpAddr.Parse(text);

        Assert.Equal(unspecified, address.IsUnspecified);
        Assert.Equal(multicast, address.IsMulticast);
        Assert.Equal(linkLocal, address.IsV6LinkLocal);
    }

    [Fact]
    public void WellKnownAddresses_Parsed_AreWhatTheirNamesSay()
    {
        Assert.Equal(IpAddr.Parse("0.0.0.0"), IpAddr.V4Any);
        Assert.Equal(IpAddr.Parse("::"), IpAddr.V6Any);
        Assert.Equal(IpAddr.Parse("ff02::1"), IpAddr.V6AllNodes);
        Assert.True(IpAddr.Parse("ff02::1:ff00:1").IsV6SolicitedNodeMulticast);
        Assert.False(IpAddr.Parse("ff02::1:fe00:1").IsV6SolicitedNodeMulticast);
        Assert.False(IpAddr.Parse("ff02::1").IsV6SolicitedNodeMulticast);
    }
}
