using CsCheck;

namespace Nvo3.Packets.Tests;

/// <summary>The virtio-net header: the bytes Linux's TAP reads and writes, little-endian (TUNSETVNETLE).</summary>
public class VirtioNetHeaderTests
{
    [Fact]
    public void Write_TsoHeader_LittleEndianFieldsAsTheKernelLaysThemOut()
    {
        // struct virtio_net_hdr { u8 flags; u8 gso_type; le16 hdr_len; le16 gso_size; le16 csum_start; le16 csum_offset; }
        var header = new VirtioNetHeader(VirtioNetFlags.NeedsChecksum, VirtioGsoType.TcpV6, Ecn: true, 86, 1428, 54, 16);
        var bytes = new byte[12];
        bytes.AsSpan().Fill(0xEE);

        Assert.Equal(12, header.Write(bytes, VirtioNetHeader.LengthV1));

        Assert.Equal(new byte[] { 0x01, 0x84, 86, 0, 0x94, 0x05, 54, 0, 16, 0, 0, 0 }, bytes);
    }

    [Fact]
    public void TryParse_RoundTrip_Property()
    {
        var types = Gen.OneOfConst(VirtioGsoType.None, VirtioGsoType.TcpV4, VirtioGsoType.TcpV6, VirtioGsoType.Udp, VirtioGsoType.UdpL4);
        Gen.Select(Gen.Byte[0, 7], types, Gen.Bool, Gen.Select(Gen.UShort, Gen.UShort[1, ushort.MaxValue], Gen.UShort, Gen.UShort))
            .Sample((flags, type, ecn, fields) =>
            {
                var header = new VirtioNetHeader((VirtioNetFlags)flags, type, ecn, fields.Item1, fields.Item2, fields.Item3, fields.Item4);
                var bytes = new byte[VirtioNetHeader.Length];
                header.Write(bytes);

                Assert.True(VirtioNetHeader.TryParse(bytes, out var read, out _));
                Assert.Equal(header, read);
            });
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0 }, PacketError.Truncated)]
    [InlineData(new byte[] { 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, PacketError.BadFlags)]
    [InlineData(new byte[] { 0, 2, 0, 0, 1, 0, 0, 0, 0, 0 }, PacketError.Unsupported)]
    [InlineData(new byte[] { 0, 0x81, 0, 0, 0, 0, 0, 0, 0, 0 }, PacketError.BadField)]
    public void TryParse_Refusals_SayWhy(byte[] bytes, PacketError expected)
    {
        Assert.False(VirtioNetHeader.TryParse(bytes, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Write_TooShort_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => VirtioNetHeader.None.Write(new byte[9]));
        Assert.Throws<ArgumentException>(() => VirtioNetHeader.None.Write(new byte[12], 9));
        Assert.Throws<ArgumentException>(() => VirtioNetHeader.None.Write(new byte[10], 12));
    }
}
