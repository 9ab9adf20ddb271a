using CsCheck;

namespace Nvo3.Packets.Tests;

public class VxlanHeaderTests
{
    [Fact]
    public void Write_ThenParse_KeepsVni()
    {
        Span<byte> buffer = stackalloc byte[VxlanHeader.Length];
        VxlanHeader.Write(buffer, 0xABCDEF);

        Assert.True(VxlanHeader.TryParse(buffer, out var header, out var error));
        Assert.Equal(PacketError.None, error);
        Assert.Equal(0xABCDEFu, header.Vni);
        Assert.Equal(new byte[] { 0x08, 0, 0, 0, 0xAB, 0xCD, 0xEF, 0 }, buffer.ToArray());
    }

    [Fact]
    public void Write_RandomVniAndInner_RoundTrip()
    {
        Gen.Select(PacketGen.Vni, PacketGen.Bytes(100)).Sample((vni, inner) =>
        {
            var packet = new byte[VxlanHeader.Length + inner.Length];
            Assert.Equal(VxlanHeader.Length, VxlanHeader.Write(packet, vni));
            inner.CopyTo(packet, VxlanHeader.Length);

            Assert.True(VxlanHeader.TryParse(packet, out var header, out _));
            Assert.Equal(vni, header.Vni);
            Assert.Equal(inner, header.Inner.ToArray());
        }, iter: 1000);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(VxlanHeader.MaxVni)]
    public void Write_EdgeVnis_RoundTrip(uint vni)
    {
        var packet = new byte[VxlanHeader.Length];
        VxlanHeader.Write(packet, vni);

        Assert.True(VxlanHeader.TryParse(packet, out var header, out _));
        Assert.Equal(vni, header.Vni);
    }

    [Fact]
    public void TryParse_ReservedBitSet_RefusesWithBadFlags()
    {
        byte[] bytes = [0x08, 0, 0, 1, 0, 0, 1, 0];
        Assert.False(VxlanHeader.TryParse(bytes, out _, out var error));
        Assert.Equal(PacketError.BadFlags, error);
    }

    [Theory]
    [InlineData(0, 0x00)] // I flag missing
    [InlineData(0, 0x88)] // G flag (group-based policy)
    [InlineData(0, 0x0C)] // P flag (GPE)
    [InlineData(1, 0x01)]
    [InlineData(2, 0x80)]
    [InlineData(3, 0x04)]
    [InlineData(7, 0xFF)]
    public void TryParse_FlagOrReservedByteNotAsSent_RefusesWithBadFlags(int offset, byte value)
    {
        var packet = new byte[VxlanHeader.Length];
        VxlanHeader.Write(packet, 42);
        packet[offset] = value;

        Assert.False(VxlanHeader.TryParse(packet, out _, out var error));
        Assert.Equal(PacketError.BadFlags, error);
    }

    [Fact]
    public void TryParse_ShorterThan8Bytes_RefusesAsTruncated()
    {
        var packet = new byte[VxlanHeader.Length];
        VxlanHeader.Write(packet, 42);

        Assert.False(VxlanHeader.TryParse(packet.AsSpan(0, 7), out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }

    [Fact]
    public void Write_VniOver24Bits_Throws()
    {
        var packet = new byte[VxlanHeader.Length];

        Assert.Throws<ArgumentException>(() => VxlanHeader.Write(packet, VxlanHeader.MaxVni + 1));
    }

    [Fact]
    public void Write_DestinationTooShort_Throws()
    {
        var packet = new byte[VxlanHeader.Length - 1];

        Assert.Throws<ArgumentException>(() => VxlanHeader.Write(packet, 1));
    }
}
