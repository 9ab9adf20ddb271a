using CsCheck;

namespace Nvo3.Packets.Tests;

public class EthernetFrameTests
{
    [Fact]
    public void Write_ThenParse_KeepsEveryField()
    {
        var frame = new byte[EthernetFrame.HeaderLength + 4];
        int written = EthernetWriter.Write(frame, Frames.PeerMac, Frames.VmMac, EtherType.IPv4);
        "\x01\x02\x03\x04"u8.CopyTo(frame.AsSpan(written));

        Assert.Equal(EthernetFrame.HeaderLength, written);
        Assert.True(EthernetFrame.TryParse(frame, out var eth, out var error));
        Assert.Equal(PacketError.None, error);
        Assert.Equal(Frames.PeerMac, eth.Destination);
        Assert.Equal(Frames.VmMac, eth.Source);
        Assert.Equal(EtherType.IPv4, eth.EtherType);
        Assert.False(eth.HasVlanTag);
        Assert.Equal(0, eth.VlanId);
        Assert.Equal(0, eth.Priority);
        Assert.Equal(EthernetFrame.HeaderLength, eth.Length);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, eth.Payload.ToArray());
        Assert.Equal(frame, eth.Bytes.ToArray());
        Assert.Equal(
            new byte[] { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x00 },
            frame[..EthernetFrame.HeaderLength]);
    }

    [Fact]
    public void WriteTagged_ThenParse_KeepsTagAndInnerType()
    {
        var frame = new byte[EthernetFrame.TaggedHeaderLength + 2];
        int written = EthernetWriter.WriteTagged(frame, MacAddress.Broadcast, Frames.VmMac, vlanId: 0xABC, priority: 5, EtherType.Arp);

        Assert.Equal(EthernetFrame.TaggedHeaderLength, written);
        Assert.True(EthernetFrame.TryParse(frame, out var eth, out _));
        Assert.True(eth.HasVlanTag);
        Assert.Equal(0xABC, eth.VlanId);
        Assert.Equal(5, eth.Priority);
        Assert.Equal(EtherType.Arp, eth.EtherType);
        Assert.Equal(EthernetFrame.TaggedHeaderLength, eth.Length);
        Assert.Equal(2, eth.Payload.Length);
        Assert.Equal(new byte[] { 0x81, 0x00, 0xAA, 0xBC, 0x08, 0x06 }, frame[12..18]);
    }

    [Fact]
    public void Write_RandomFields_RoundTrip()
    {
        Gen.Select(PacketGen.Mac, PacketGen.Mac, Gen.UShort, Gen.Bool, Gen.UInt[0, 0xFFF], Gen.Byte[0, 7], PacketGen.Bytes(64))
            .Sample((dst, src, type, tagged, vlan, priority, payload) =>
            {
                var frame = new byte[EthernetFrame.TaggedHeaderLength + payload.Length];
                // A tagged frame's inner type may be anything; an untagged frame whose type is 0x8100 is by definition tagged.
                ushort etherType = !tagged && type == EtherType.Vlan ? EtherType.IPv6 : type;
                int header = tagged
                    ? EthernetWriter.WriteTagged(frame, dst, src, (ushort)vlan, priority, etherType)
                    : EthernetWriter.Write(frame, dst, src, etherType);
                payload.CopyTo(frame, header);
                var bytes = frame.AsSpan(0, header + payload.Length);

                Assert.True(EthernetFrame.TryParse(bytes, out var eth, out var error));
                Assert.Equal(PacketError.None, error);
                Assert.Equal(dst, eth.Destination);
                Assert.Equal(src, eth.Source);
                Assert.Equal(etherType, eth.EtherType);
                Assert.Equal(tagged, eth.HasVlanTag);
                Assert.Equal(tagged ? vlan : 0u, eth.VlanId);
                Assert.Equal(tagged ? priority : 0, eth.Priority);
                Assert.Equal(header, eth.Length);
                Assert.Equal(payload, eth.Payload.ToArray());
            }, iter: 2000);
    }

    [Fact]
    public void TryParse_ShorterThanHeader_RefusesAsTruncated()
    {
        var frame = new byte[EthernetFrame.HeaderLength - 1];

        Assert.False(EthernetFrame.TryParse(frame, out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }

    [Fact]
    public void TryParse_TagWithoutInnerType_RefusesAsTruncated()
    {
        var frame = new byte[EthernetFrame.TaggedHeaderLength - 1];
        EthernetWriter.Write(frame, MacAddress.Broadcast, Frames.VmMac, EtherType.Vlan);

        Assert.False(EthernetFrame.TryParse(frame, out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }

    [Theory]
    [InlineData(0x1000)]
    [InlineData(0xFFFF)]
    public void WriteTagged_VlanIdOver12Bits_Throws(int vlanId)
    {
        var frame = new byte[EthernetFrame.TaggedHeaderLength];

        Assert.Throws<ArgumentException>(() => EthernetWriter.WriteTagged(frame, MacAddress.Broadcast, Frames.VmMac, (ushort)vlanId, 0, EtherType.IPv4));
    }

    [Fact]
    public void WriteTagged_PriorityOver3Bits_Throws()
    {
        var frame = new byte[EthernetFrame.TaggedHeaderLength];

        Assert.Throws<ArgumentException>(() => EthernetWriter.WriteTagged(frame, MacAddress.Broadcast, Frames.VmMac, 1, 8, EtherType.IPv4));
    }

    [Fact]
    public void Write_DestinationTooShort_Throws()
    {
        var frame = new byte[EthernetFrame.HeaderLength - 1];

        Assert.Throws<ArgumentException>(() => EthernetWriter.Write(frame, MacAddress.Broadcast, Frames.VmMac, EtherType.IPv4));
    }

    [Fact]
    public void Pad_ShortFrame_ZeroFillsTo60Bytes()
    {
        var frame = Enumerable.Repeat((byte)0xEE, 80).ToArray();

        int padded = EthernetWriter.Pad(frame, 42);

        Assert.Equal(EthernetFrame.MinimumFrameLength, padded);
        Assert.All(frame[42..60], b => Assert.Equal(0, b));
        Assert.Equal(0xEE, frame[60]);
    }

    [Fact]
    public void Pad_FrameOf60OrMore_LeavesItAlone()
    {
        var frame = Enumerable.Repeat((byte)0xEE, 80).ToArray();

        Assert.Equal(61, EthernetWriter.Pad(frame, 61));
        Assert.All(frame, b => Assert.Equal(0xEE, b));
    }

    [Fact]
    public void Pad_DestinationShorterThan60_ThrowsArgumentException()
    {
        var frame = new byte[50];

        Assert.Throws<ArgumentException>(() => EthernetWriter.Pad(frame, 42));
    }

    [Theory]
    [InlineData("ff:ff:ff:ff:ff:ff", true, true)]
    [InlineData("01:00:5e:00:00:01", false, true)]
    [InlineData("33:33:ff:12:34:56", false, true)]
    [InlineData("52:54:00:12:34:56", false, false)]
    [InlineData("00:00:00:00:00:00", false, false)]
    [InlineData("fe:ff:ff:ff:ff:ff", false, false)]
    public void Destination_Classification_FollowsGroupBit(string mac, bool broadcast, bool multicast)
    {
        var frame = new byte[EthernetFrame.HeaderLength];
        EthernetWriter.Write(frame, MacAddress.Parse(mac), Frames.VmMac, EtherType.IPv4);

        Assert.True(EthernetFrame.TryParse(frame, out var eth, out _));
        Assert.Equal(broadcast, eth.Destination.IsBroadcast);
        Assert.Equal(multicast, eth.Destination.IsMulticast);
        Assert.Equal(!multicast, eth.Destination.IsUnicast);
    }
}
