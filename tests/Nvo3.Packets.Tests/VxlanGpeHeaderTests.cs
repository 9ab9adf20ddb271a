using CsCheck;

namespace Nvo3.Packets.Tests;

public class VxlanGpeHeaderTests
{
    [Theory]
    [InlineData(GpeNextProtocol.IPv4, (byte)1)]
    [InlineData(GpeNextProtocol.IPv6, (byte)2)]
    [InlineData(GpeNextProtocol.Ethernet, (byte)3)]
    public void Write_ThenParse_KeepsNextProtocolAndVni(GpeNextProtocol next, byte wire)
    {
        var packet = new byte[VxlanGpeHeader.Length + 2];
        Assert.Equal(VxlanGpeHeader.Length, VxlanGpeHeader.Write(packet, 0x0A0B0C, next));
        packet[8] = 0x45;

        Assert.Equal(new byte[] { 0x0C, 0, 0, wire, 0x0A, 0x0B, 0x0C, 0 }, packet[..8]);
        Assert.True(VxlanGpeHeader.TryParse(packet, out var header, out var error));
        Assert.Equal(PacketError.None, error);
        Assert.Equal(next, header.NextProtocol);
        Assert.Equal(0x0A0B0Cu, header.Vni);
        Assert.Equal(VxlanGpeHeader.FlagI | VxlanGpeHeader.FlagP, header.Flags);
        Assert.Equal(new byte[] { 0x45, 0 }, header.Inner.ToArray());
    }

    [Fact]
    public void Write_RandomFields_RoundTrip()
    {
        var next = Gen.OneOfConst(GpeNextProtocol.IPv4, GpeNextProtocol.IPv6, GpeNextProtocol.Ethernet);
        var extra = Gen.OneOfConst<byte>(0, VxlanGpeHeader.FlagB, VxlanGpeHeader.FlagO, VxlanGpeHeader.FlagB | VxlanGpeHeader.FlagO);
        Gen.Select(PacketGen.Vni, next, extra, PacketGen.Bytes(64)).Sample((vni, nextProtocol, extraFlags, inner) =>
        {
            var packet = new byte[VxlanGpeHeader.Length + inner.Length];
            VxlanGpeHeader.Write(packet, vni, nextProtocol, extraFlags);
            inner.CopyTo(packet, VxlanGpeHeader.Length);

            Assert.True(VxlanGpeHeader.TryParse(packet, out var header, out _));
            Assert.Equal(vni, header.Vni);
            Assert.Equal(nextProtocol, header.NextProtocol);
            Assert.Equal(VxlanGpeHeader.FlagI | VxlanGpeHeader.FlagP | extraFlags, header.Flags);
            Assert.Equal(inner, header.Inner.ToArray());
        }, iter: 1000);
    }

    [Theory]
    [InlineData(0x1C)] // version 1
    [InlineData(0x3C)] // version 3
    public void TryParse_VersionNot0_RefusesWithBadVersion(byte flags)
    {
        var packet = Header();
        packet[0] = flags;

        Assert.False(VxlanGpeHeader.TryParse(packet, out _, out var error));
        Assert.Equal(PacketError.BadVersion, error);
    }

    [Theory]
    [InlineData(0, 0x08)] // P missing
    [InlineData(0, 0x04)] // I missing
    [InlineData(0, 0x4C)] // reserved flag bit
    [InlineData(0, 0x8C)] // reserved flag bit
    [InlineData(1, 0x01)]
    [InlineData(2, 0x80)]
    [InlineData(7, 0x01)]
    public void TryParse_FlagsOrReservedBitsNotAsSent_RefusesWithBadFlags(int offset, byte value)
    {
        var packet = Header();
        packet[offset] = value;

        Assert.False(VxlanGpeHeader.TryParse(packet, out _, out var error));
        Assert.Equal(PacketError.BadFlags, error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)] // NSH, which Nvo3 does not carry
    [InlineData(0xFF)]
    public void TryParse_UnknownNextProtocol_RefusesAsUnsupported(byte next)
    {
        var packet = Header();
        packet[3] = next;

        Assert.False(VxlanGpeHeader.TryParse(packet, out _, out var error));
        Assert.Equal(PacketError.Unsupported, error);
    }

    [Fact]
    public void TryParse_ShorterThan8Bytes_RefusesAsTruncated()
    {
        Assert.False(VxlanGpeHeader.TryParse(Header().AsSpan(0, 7), out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }

    [Fact]
    public void Write_FlagOtherThanBOrO_Throws()
    {
        var packet = new byte[8];

        Assert.Throws<ArgumentException>(() => VxlanGpeHeader.Write(packet, 1, GpeNextProtocol.IPv4, extraFlags: 0x10));
    }

    [Fact]
    public void Write_VniOver24Bits_Throws()
    {
        var packet = new byte[8];

        Assert.Throws<ArgumentException>(() => VxlanGpeHeader.Write(packet, VxlanHeader.MaxVni + 1, GpeNextProtocol.IPv4));
    }

    private static byte[] Header()
    {
        var packet = new byte[VxlanGpeHeader.Length];
        VxlanGpeHeader.Write(packet, 7, GpeNextProtocol.IPv6);
        return packet;
    }
}
