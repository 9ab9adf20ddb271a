using System.Buffers.Binary;

namespace Nvo3.Packets.Tests;

/// <summary>The edges of ILA's checksum adjustment that random packets almost never reach.</summary>
public class IlaChecksumEdgeTests
{
    private const ulong SirPrefix = 0x2001_0db8_0000_0001;
    private const ulong Locator = 0xfd00_00aa_bbcc_0001;
    private static readonly IpAddr Sir = IpAddr.FromV6(new UInt128(SirPrefix, 0x1234));

    [Theory]
    [InlineData(IlaChecksumMode.NeutralMap)]
    [InlineData(IlaChecksumMode.AdjustTransport)]
    public void TryTranslateDestination_HeaderOnlyPacket_IsTranslated(IlaChecksumMode mode)
    {
        var packet = new byte[IPv6Packet.HeaderLength]; // nothing after the header: the shortest packet there is
        IPv6Writer.WriteHeader(packet, Frames.VmIPv6, Sir, IpProtocol.NoNextHeader, 0);

        Assert.True(new IlaTranslation(SirPrefix, Locator, mode).TryTranslateDestination(packet, toIla: true, out var refusal));

        Assert.Equal(IlaRefusal.None, refusal);
        Assert.Equal(Locator, BinaryPrimitives.ReadUInt64BigEndian(packet.AsSpan(24)));
    }

    [Fact]
    public void TryTranslateDestination_UdpChecksumThatComesOutZero_IsWrittenAsAllOnes()
    {
        // Every value of one payload word gives every checksum once: one of them comes out of the
        // adjustment as zero, which in UDP means "no checksum" (RFC 768): it must be sent as 0xFFFF.
        var translation = new IlaTranslation(SirPrefix, Locator, IlaChecksumMode.AdjustTransport);
        var packet = new byte[IPv6Packet.HeaderLength + UdpDatagram.HeaderLength + 2];
        var udp = packet.AsSpan(IPv6Packet.HeaderLength);
        int allOnes = 0;
        for (int word = 0; word <= ushort.MaxValue; word++)
        {
            IPv6Writer.WriteHeader(packet, Frames.VmIPv6, Sir, IpProtocol.Udp, udp.Length);
            BinaryPrimitives.WriteUInt16BigEndian(udp[UdpDatagram.HeaderLength..], (ushort)word);
            UdpWriter.WriteHeader(udp, 40000, 53, 2, Frames.VmIPv6, Sir);

            Assert.True(translation.TryTranslateDestination(packet, toIla: true, out _));

            ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(udp[6..]);
            Assert.NotEqual(0, checksum);
            Assert.True(Checksum.VerifyTransport(Frames.VmIPv6, IpAddr.ReadV6(packet.AsSpan(24)), IpProtocol.Udp, udp), $"word {word}");
            allOnes += checksum == 0xFFFF ? 1 : 0;
        }
        Assert.True(allOnes >= 1, "the zero case was reached");
    }
}
