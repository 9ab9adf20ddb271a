using System.Buffers.Binary;
using CsCheck;

namespace Nvo3.Packets.Tests;

public class IlaTranslationTests
{
    private const ulong SirPrefix = 0x2001_0db8_0000_0001;
    private const ulong Locator = 0xfd00_00aa_bbcc_0001;
    private const ulong CBit = IlaTranslation.ChecksumNeutralBit;
    private const int DestinationAt = 24;

    /// <summary>
    /// Identifiers with the edge cases weighted in: every type (6 and 7 are reserved), the C-bit
    /// set now and then, and low words of 0x0000 (refused by the neutral map), 0xFFFF and 0x0001.
    /// </summary>
    private static readonly Gen<ulong> Identifier = Gen.Select(
        Gen.Frequency((6, Gen.Byte[0, 5]), (1, Gen.Byte[6, 7])),
        Gen.FrequencyConst((5, false), (1, true)),
        Gen.ULong,
        Gen.Frequency((4, Gen.UShort), (1, Gen.Const((ushort)0)), (1, Gen.Const((ushort)0xFFFF)), (1, Gen.Const((ushort)1))),
        (type, cBit, middle, low) => ((ulong)type << 61) | (cBit ? CBit : 0) | (middle & 0x0FFF_FFFF_FFFF_0000) | low);

    private static readonly Gen<IlaChecksumMode> Mode = Gen.OneOfConst(IlaChecksumMode.NeutralMap, IlaChecksumMode.AdjustTransport);

    private static readonly Gen<byte> Transport = Gen.OneOfConst(IpProtocol.Tcp, IpProtocol.Udp, IpProtocol.IcmpV6);

    [Fact]
    public void Identifier_Generator_CoversTheZeroLowWord()
    {
        int zeros = 0;
        Identifier.Sample(id =>
        {
            if ((id & 0xFFFF) == 0)
            {
                Interlocked.Increment(ref zeros);
            }
        }, iter: 1000, threads: 1);

        Assert.InRange(zeros, 50, 400);
    }

    [Fact]
    public void TryTranslateDestination_RandomPackets_ChecksumStaysValidAndReverseRestoresEveryByte()
    {
        Gen.Select(Gen.ULong, Gen.ULong, Identifier, Mode, Transport, PacketGen.IPv6, PacketGen.Payload)
            .Sample((sirPrefix, locator, identifier, mode, protocol, source, payload) =>
            {
                var translation = new IlaTranslation(sirPrefix, locator, mode);
                var sir = IpAddr.FromV6(new UInt128(sirPrefix, identifier));
                var packet = BuildPacket(protocol, source, sir, payload);
                var original = packet.ToArray();
                Assert.True(Checksum.VerifyTransport(source, sir, protocol, packet.AsSpan(IPv6Packet.HeaderLength)));
                var expected = ExpectedRefusal(identifier, mode);

                bool translated = translation.TryTranslateDestination(packet, toIla: true, out var refusal);

                Assert.Equal(expected, refusal);
                Assert.Equal(expected == IlaRefusal.None, translated);
                if (!translated)
                {
                    Assert.Equal(original, packet);
                    return;
                }
                var ila = IpAddr.ReadV6(packet.AsSpan(DestinationAt));
                Assert.Equal(locator, (ulong)(ila.V6Value >> 64));
                Assert.True(Checksum.VerifyTransport(source, ila, protocol, packet.AsSpan(IPv6Packet.HeaderLength)));
                int checksumAt = IPv6Packet.HeaderLength + ChecksumOffset(protocol);
                if (mode == IlaChecksumMode.NeutralMap)
                {
                    // The identifier keeps all but its low word, gains the C-bit, and the address sums as before:
                    // not one byte after the IPv6 header changes.
                    Assert.True(IlaTranslation.HasChecksumNeutralBit(ila));
                    Assert.Equal((identifier | CBit) & ~0xFFFFUL, (ulong)ila.V6Value & ~0xFFFFUL);
                    Assert.Equal(Checksum.Fold(Checksum.AddAddress(0, sir)), Checksum.Fold(Checksum.AddAddress(0, ila)));
                    Assert.Equal(original[IPv6Packet.HeaderLength..], packet[IPv6Packet.HeaderLength..]);
                }
                else
                {
                    // The identifier is untouched (no C-bit is added) and only the checksum field changes.
                    Assert.Equal(identifier, (ulong)ila.V6Value);
                    Assert.Equal(IlaTranslation.HasChecksumNeutralBit(sir), IlaTranslation.HasChecksumNeutralBit(ila));
                    Assert.Equal(original[(checksumAt + 2)..], packet[(checksumAt + 2)..]);
                    Assert.Equal(original[IPv6Packet.HeaderLength..checksumAt], packet[IPv6Packet.HeaderLength..checksumAt]);
                }
                Assert.Equal(original[..DestinationAt], packet[..DestinationAt]);

                Assert.True(translation.TryTranslateDestination(packet, toIla: false, out refusal));
                Assert.Equal(IlaRefusal.None, refusal);
                Assert.Equal(original, packet);
            }, iter: 3000);
    }

    [Fact]
    public void TryToIla_ThenTryToSir_RestoresEveryAcceptedAddress()
    {
        Gen.Select(Gen.ULong, Gen.ULong, Identifier, Gen.OneOfConst(IlaChecksumMode.NeutralMap, IlaChecksumMode.AdjustTransport, IlaChecksumMode.NoAction))
            .Sample((sirPrefix, locator, identifier, mode) =>
            {
                var translation = new IlaTranslation(sirPrefix, locator, mode);
                var sir = IpAddr.FromV6(new UInt128(sirPrefix, identifier));

                bool accepted = translation.TryToIla(sir, out var ila, out var refusal);

                Assert.Equal(ExpectedRefusal(identifier, mode), refusal);
                if (!accepted)
                {
                    Assert.Equal(default, ila);
                    return;
                }
                Assert.Equal(IlaTranslation.IdentifierType(sir), IlaTranslation.IdentifierType(ila));
                Assert.Equal(mode == IlaChecksumMode.NeutralMap || IlaTranslation.HasChecksumNeutralBit(sir), IlaTranslation.HasChecksumNeutralBit(ila));
                Assert.True(translation.TryToSir(ila, out var back, out refusal));
                Assert.Equal(IlaRefusal.None, refusal);
                Assert.Equal(sir, back);
            }, iter: 20_000);
    }

    [Fact]
    public void TryToIla_NeutralMapZeroLowWord_RefusesZeroAdjustmentWord()
    {
        var translation = new IlaTranslation(SirPrefix, Locator);
        var sir = IpAddr.FromV6(new UInt128(SirPrefix, 0x0000_0000_1234_0000));

        Assert.False(translation.TryToIla(sir, out var ila, out var refusal));
        Assert.Equal(IlaRefusal.ZeroAdjustmentWord, refusal);
        Assert.Equal(default, ila);
    }

    [Fact]
    public void TryTranslateDestination_NeutralMapZeroLowWord_RefusesAndLeavesPacketAlone()
    {
        var translation = new IlaTranslation(SirPrefix, Locator);
        var sir = IpAddr.FromV6(new UInt128(SirPrefix, 0x0000_0000_1234_0000));
        var packet = BuildPacket(IpProtocol.Tcp, Frames.VmIPv6, sir, "data"u8.ToArray());
        var original = packet.ToArray();

        Assert.False(translation.TryTranslateDestination(packet, toIla: true, out var refusal));
        Assert.Equal(IlaRefusal.ZeroAdjustmentWord, refusal);
        Assert.Equal(original, packet);
    }

    [Fact]
    public void TryToIla_AdjustTransportZeroLowWord_Translates()
    {
        var translation = new IlaTranslation(SirPrefix, Locator, IlaChecksumMode.AdjustTransport);
        var sir = IpAddr.FromV6(new UInt128(SirPrefix, 0x0000_0000_1234_0000));

        Assert.True(translation.TryToIla(sir, out var ila, out _));
        Assert.Equal(new UInt128(Locator, 0x0000_0000_1234_0000), ila.V6Value);
    }

    [Fact]
    public void TryToIla_NeutralMapLowWordFfff_RoundTripsExactly()
    {
        // 0xFFFF and 0x0000 are the same one's-complement number; only 0xFFFF can come back.
        var translation = new IlaTranslation(SirPrefix, Locator);
        var sir = IpAddr.FromV6(new UInt128(SirPrefix, 0x0000_0000_1234_FFFF));

        Assert.True(translation.TryToIla(sir, out var ila, out _));
        Assert.True(translation.TryToSir(ila, out var back, out _));
        Assert.Equal(sir, back);
    }

    [Fact]
    public void TryToIla_WorkedExample_AddsPrefixDifferenceAndCBitToLowWord()
    {
        // SIR prefix words 2001+0db8+0000+0001 = 2dba; locator words fd00+00aa+bbcc+0001 = 1b977, folded b978.
        // Low word' = 5678 + 2dba - b978 - 1000 (the C-bit) in one's complement: 8432 - b978 = -3546 = cab9,
        // cab9 - 1000 = bab9. Both addresses then sum to 9666.
        var translation = new IlaTranslation(SirPrefix, Locator);
        var sir = IpAddr.Parse("2001:db8:0:1:0:0:1234:5678");

        Assert.True(translation.TryToIla(sir, out var ila, out _));
        Assert.Equal(IpAddr.Parse("fd00:aa:bbcc:1:1000:0:1234:bab9"), ila);
    }

    [Fact]
    public void TryToSir_NeutralMapWithoutCBit_RefusesChecksumBitClear()
    {
        var translation = new IlaTranslation(SirPrefix, Locator);
        var ila = IpAddr.FromV6(new UInt128(Locator, 0x0000_0000_1234_5678));

        Assert.False(translation.TryToSir(ila, out _, out var refusal));
        Assert.Equal(IlaRefusal.ChecksumBitClear, refusal);
    }

    [Fact]
    public void TryToIla_NeutralMapSirWithCBit_RefusesChecksumBitSet()
    {
        var translation = new IlaTranslation(SirPrefix, Locator);
        var sir = IpAddr.FromV6(new UInt128(SirPrefix, CBit | 0x1234));

        Assert.False(translation.TryToIla(sir, out _, out var refusal));
        Assert.Equal(IlaRefusal.ChecksumBitSet, refusal);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(7)]
    public void TryToIla_ReservedIdentifierType_RefusesReservedType(int type)
    {
        var translation = new IlaTranslation(SirPrefix, Locator);
        var sir = IpAddr.FromV6(new UInt128(SirPrefix, ((ulong)type << 61) | 0x1234));

        Assert.False(translation.TryToIla(sir, out _, out var refusal));
        Assert.Equal(IlaRefusal.ReservedType, refusal);
    }

    [Fact]
    public void TryToIla_OtherPrefix_RefusesWrongPrefix()
    {
        var translation = new IlaTranslation(SirPrefix, Locator);

        Assert.False(translation.TryToIla(IpAddr.FromV6(new UInt128(SirPrefix + 1, 0x1234)), out _, out var refusal));
        Assert.Equal(IlaRefusal.WrongPrefix, refusal);
        Assert.False(translation.TryToSir(IpAddr.FromV6(new UInt128(SirPrefix, CBit | 0x1234)), out _, out refusal));
        Assert.Equal(IlaRefusal.WrongPrefix, refusal);
    }

    [Fact]
    public void TryToIla_IPv4_RefusesNotIPv6()
    {
        var translation = new IlaTranslation(SirPrefix, Locator);

        Assert.False(translation.TryToIla(Frames.VmIPv4, out _, out var refusal));
        Assert.Equal(IlaRefusal.NotIPv6, refusal);
    }

    [Fact]
    public void TryTranslateDestination_NotIPv6_RefusesBadPacket()
    {
        var translation = new IlaTranslation(SirPrefix, Locator);
        var packet = Frames.UdpPacket(v6: false, payload: new byte[40]);

        Assert.False(translation.TryTranslateDestination(packet, toIla: true, out var refusal));
        Assert.Equal(IlaRefusal.BadPacket, refusal);
        Assert.False(translation.TryTranslateDestination(new byte[39], toIla: true, out refusal));
        Assert.Equal(IlaRefusal.BadPacket, refusal);
    }

    [Fact]
    public void TryTranslateDestination_AdjustTransportTruncatedTcp_RefusesBadPacketAndLeavesItAlone()
    {
        var translation = new IlaTranslation(SirPrefix, Locator, IlaChecksumMode.AdjustTransport);
        var sir = IpAddr.FromV6(new UInt128(SirPrefix, 0x1234));
        var packet = BuildPacket(IpProtocol.Tcp, Frames.VmIPv6, sir, [])[..(IPv6Packet.HeaderLength + 17)];
        var original = packet.ToArray();

        Assert.False(translation.TryTranslateDestination(packet, toIla: true, out var refusal));
        Assert.Equal(IlaRefusal.BadPacket, refusal);
        Assert.Equal(original, packet);
    }

    [Fact]
    public void TryTranslateDestination_AdjustTransportUdpWithoutChecksum_LeavesItZero()
    {
        // A zero UDP checksum over IPv6 means "none" for tunnels (RFC 6935); patching it would invent a wrong one.
        var translation = new IlaTranslation(SirPrefix, Locator, IlaChecksumMode.AdjustTransport);
        var sir = IpAddr.FromV6(new UInt128(SirPrefix, 0x1234));
        var packet = BuildPacket(IpProtocol.Udp, Frames.VmIPv6, sir, "tunnel"u8.ToArray());
        packet[IPv6Packet.HeaderLength + 6] = packet[IPv6Packet.HeaderLength + 7] = 0;

        Assert.True(translation.TryTranslateDestination(packet, toIla: true, out _));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(IPv6Packet.HeaderLength + 6)));
        Assert.Equal(Locator, BinaryPrimitives.ReadUInt64BigEndian(packet.AsSpan(DestinationAt)));
    }

    [Fact]
    public void TryTranslateDestination_AdjustTransportOtherNextHeader_RewritesAddressOnly()
    {
        var translation = new IlaTranslation(SirPrefix, Locator, IlaChecksumMode.AdjustTransport);
        var sir = IpAddr.FromV6(new UInt128(SirPrefix, 0x1234));
        var packet = new byte[IPv6Packet.HeaderLength + 4];
        IPv6Writer.WriteHeader(packet, Frames.VmIPv6, sir, IpProtocol.NoNextHeader, 4);
        var original = packet.ToArray();

        Assert.True(translation.TryTranslateDestination(packet, toIla: true, out _));
        Assert.Equal(new UInt128(Locator, 0x1234), IpAddr.ReadV6(packet.AsSpan(DestinationAt)).V6Value);
        Assert.Equal(original[IPv6Packet.HeaderLength..], packet[IPv6Packet.HeaderLength..]);
    }

    [Fact]
    public void TryTranslateDestination_NoAction_RewritesPrefixOnly()
    {
        var translation = new IlaTranslation(SirPrefix, Locator, IlaChecksumMode.NoAction);
        var sir = IpAddr.FromV6(new UInt128(SirPrefix, 0x1234));
        var packet = BuildPacket(IpProtocol.Tcp, Frames.VmIPv6, sir, "x"u8.ToArray());
        var original = packet.ToArray();

        Assert.True(translation.TryTranslateDestination(packet, toIla: true, out _));
        var ila = IpAddr.ReadV6(packet.AsSpan(DestinationAt));
        Assert.Equal(new UInt128(Locator, 0x1234), ila.V6Value);
        Assert.Equal(original[IPv6Packet.HeaderLength..], packet[IPv6Packet.HeaderLength..]);
        Assert.False(Checksum.VerifyTransport(Frames.VmIPv6, ila, IpProtocol.Tcp, packet.AsSpan(IPv6Packet.HeaderLength)));
    }

    [Theory]
    [InlineData(0x0000_0000_0000_0001UL, IlaIdentifierType.Iid, false)]
    [InlineData(0x2000_0000_0000_0001UL, IlaIdentifierType.Luid, false)]
    [InlineData(0x5000_0000_0000_0001UL, IlaIdentifierType.VirtualIPv4, true)]
    [InlineData(0x6000_0000_0000_0001UL, IlaIdentifierType.VirtualIPv6Unicast, false)]
    [InlineData(0x9000_0000_0000_0001UL, IlaIdentifierType.VirtualIPv6Multicast, true)]
    [InlineData(0xA000_0000_0000_0001UL, IlaIdentifierType.NonLocal, false)]
    public void IdentifierType_AndCBit_AreTheTopFourBits(ulong identifier, IlaIdentifierType type, bool cBit)
    {
        var address = IpAddr.FromV6(new UInt128(SirPrefix, identifier));

        Assert.Equal(type, IlaTranslation.IdentifierType(address));
        Assert.Equal(cBit, IlaTranslation.HasChecksumNeutralBit(address));
    }

    private static IlaRefusal ExpectedRefusal(ulong identifier, IlaChecksumMode mode)
    {
        if (identifier >> 61 > 5)
        {
            return IlaRefusal.ReservedType;
        }
        if (mode == IlaChecksumMode.NeutralMap && (identifier & CBit) != 0)
        {
            return IlaRefusal.ChecksumBitSet;
        }
        if (mode == IlaChecksumMode.NeutralMap && (identifier & 0xFFFF) == 0)
        {
            return IlaRefusal.ZeroAdjustmentWord;
        }
        return IlaRefusal.None;
    }

    private static int ChecksumOffset(byte protocol) => protocol switch
    {
        IpProtocol.Tcp => 16,
        IpProtocol.Udp => 6,
        _ => 2,
    };

    /// <summary>An IPv6 packet to <paramref name="destination"/> carrying TCP, UDP or an ICMPv6 echo with a valid checksum.</summary>
    private static byte[] BuildPacket(byte protocol, IpAddr source, IpAddr destination, byte[] payload)
    {
        int header = protocol switch
        {
            IpProtocol.Tcp => TcpSegment.MinHeaderLength,
            IpProtocol.Udp => UdpDatagram.HeaderLength,
            _ => IcmpV6Packet.HeaderLength,
        };
        var packet = new byte[IPv6Packet.HeaderLength + header + payload.Length];
        var l4 = packet.AsSpan(IPv6Packet.HeaderLength);
        IPv6Writer.WriteHeader(packet, source, destination, protocol, l4.Length);
        switch (protocol)
        {
            case IpProtocol.Tcp:
                payload.CopyTo(l4[header..]);
                TcpWriter.WriteHeader(l4, 40000, 80, 0x0102_0304, 0x0506_0708, TcpFlags.Ack | TcpFlags.Psh, 512, [], payload.Length, source, destination);
                break;
            case IpProtocol.Udp:
                payload.CopyTo(l4[header..]);
                UdpWriter.WriteHeader(l4, 40000, 53, payload.Length, source, destination);
                break;
            default:
                IcmpV6Writer.WriteEcho(l4, false, 7, 9, payload, source, destination);
                break;
        }
        return packet;
    }
}
