using System.Buffers.Binary;
using CsCheck;

namespace Nvo3.Packets.Tests;

public class ChecksumTests
{
    private static readonly MacAddress NoMac = MacAddress.Zero;

    [Fact]
    public void Add_Rfc1071Example_SumsToDdf2()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to 2ddf0, folded ddf2.
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];

        Assert.Equal(0xddf2, Checksum.Fold(Checksum.Add(0, data)));
        Assert.Equal(0x220d, Checksum.Compute(data));
    }

    [Fact]
    public void Compute_ClassicIPv4Header_IsB861()
    {
        // The textbook header 192.168.0.1 → 192.168.0.199, UDP, checksum b861.
        var header = Convert.FromHexString("450000730000400040110000c0a80001c0a800c7");

        Assert.Equal(0xb861, Checksum.Compute(header));
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), 0xb861);
        Assert.True(Checksum.Verify(header));
        Assert.True(IPv4Packet.TryParse(Pad(header, 0x73), out var ip, out _));
        Assert.True(ip.IsHeaderChecksumValid);
    }

    [Fact]
    public void Add_OddLength_PadsWithZeroByte()
    {
        Assert.Equal(Checksum.Compute([0xab, 0xcd, 0xef, 0x00]), Checksum.Compute([0xab, 0xcd, 0xef]));
        Assert.Equal(0xab00UL, Checksum.Add(0, [0xab]));
        Assert.Equal(0xFFFF, Checksum.Compute([]));
    }

    [Fact]
    public void Add_RandomData_MatchesAPlainSumOf16BitWords()
    {
        PacketGen.Bytes(1500).Sample(data =>
        {
            Assert.Equal(ReferenceSum(data), Checksum.Fold(Checksum.Add(0, data)));
        }, iter: 2000);
    }

    [Fact]
    public void Add_LongDataAtAnyOffset_MatchesAPlainSumOf16BitWords()
    {
        // Long spans take the vector path: every length and alignment around its edges, up to 64 KiB
        // and past the point where its lanes are drained; all-ones data checks the 0/0xFFFF edge.
        var lengths = Gen.Frequency((4, Gen.Int[100, 4000]), (1, Gen.Int[60_000, 70_000]), (1, Gen.Int[520_000, 540_000]));
        Gen.Select(lengths, Gen.Int[0, 31], Gen.Int[0, 3]).Sample((length, offset, fill) =>
        {
            var data = new byte[offset + length];
            if (fill == 0)
            {
                data.AsSpan().Fill(0xFF);
            }
            else
            {
                new Random(length ^ offset).NextBytes(data);
            }
            var span = data.AsSpan(offset);
            Assert.Equal(ReferenceSum(span), Checksum.Fold(Checksum.Add(0, span)));
            Assert.Equal(Checksum.Fold(Checksum.Add(0x1234_5678, span[..(length & ~1)])),
                Checksum.Fold(0x1234_5678 + Checksum.Add(0, span[..(length & ~1)])));
        }, iter: 300);
        Assert.Equal(0, Checksum.Fold(Checksum.Add(0, new byte[4096])));
        Assert.Equal(0xFFFF, Checksum.Fold(Checksum.Add(0, Enumerable.Repeat((byte)0xFF, 4096).ToArray())));
    }

    [Fact]
    public void Add_InPieces_SameAsAtOnce()
    {
        Gen.Select(PacketGen.Bytes(300), PacketGen.Bytes(300)).Sample((first, second) =>
        {
            // Only the last piece may have odd length.
            var even = first.Length % 2 == 0 ? first : first[..^1];
            ulong inPieces = Checksum.Add(Checksum.Add(0, even), second);

            Assert.Equal(Checksum.Fold(Checksum.Add(0, [.. even, .. second])), Checksum.Fold(inPieces));
        }, iter: 1000);
    }

    [Fact]
    public void Verify_DataWithItsChecksumInPlace_IsTrue()
    {
        Gen.Byte.Array[4, 200].Sample(data =>
        {
            data[2] = data[3] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(2), Checksum.Compute(data));

            Assert.True(Checksum.Verify(data));
            data[0] ^= 0x10;
            Assert.False(Checksum.Verify(data));
        }, iter: 1000);
    }

    [Fact]
    public void Update_OneWordChanged_MatchesRecomputation()
    {
        Gen.Select(Gen.Byte.Array[4, 100], Gen.Int[0, 49], Gen.UShort).Sample((data, index, newWord) =>
        {
            int words = data.Length / 2;
            int at = 2 + (2 * (index % (words - 1)));
            data[0] = data[1] = 0;
            ushort checksum = Checksum.Compute(data);
            BinaryPrimitives.WriteUInt16BigEndian(data, checksum);
            ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(at));

            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(at), newWord);
            BinaryPrimitives.WriteUInt16BigEndian(data, Checksum.Update(checksum, oldWord, newWord));

            Assert.True(Checksum.Verify(data));
        }, iter: 2000);
    }

    [Fact]
    public void PseudoHeader_IPv4_IsTheRfc768Words()
    {
        var src = IpAddr.Parse("192.0.2.1");
        var dst = IpAddr.Parse("198.51.100.2");
        var pseudo = Convert.FromHexString("c0000201" + "c6336402" + "0011" + "0123");

        Assert.Equal(ReferenceSum(pseudo), Checksum.Fold(Checksum.PseudoHeader(src, dst, IpProtocol.Udp, 0x123)));
    }

    [Fact]
    public void PseudoHeader_IPv6_IsTheRfc8200Words()
    {
        var src = IpAddr.Parse("2001:db8::1");
        var dst = IpAddr.Parse("fe80::abcd:1");
        var pseudo = Convert.FromHexString(
            "20010db8000000000000000000000001" + "fe8000000000000000000000abcd0001" + "00012345" + "0000003a");

        Assert.Equal(ReferenceSum(pseudo), Checksum.Fold(Checksum.PseudoHeader(src, dst, IpProtocol.IcmpV6, 0x12345)));
    }

    [Fact]
    public void CapturedPackets_EveryChecksum_VerifiesWithNvo3Readers()
    {
        foreach (var frame in CapturedPackets.All)
        {
            Assert.True(EthernetFrame.TryParse(frame, out var eth, out _));
            if (eth.EtherType == EtherType.IPv4)
            {
                Assert.True(IPv4Packet.TryParse(eth.Payload, out var ip, out _));
                Assert.True(ip.IsHeaderChecksumValid);
                AssertTransportValid(ip.Protocol, ip.Source, ip.Destination, ip.Payload);
            }
            else
            {
                Assert.True(IPv6Packet.TryParse(eth.Payload, out var ip, out _));
                AssertTransportValid(ip.NextHeader, ip.Source, ip.Destination, ip.Payload);
            }
        }
    }

    [Fact]
    public void IcmpV4Writer_KernelsPortUnreachable_SameBytes()
    {
        var original = CapturedPackets.UdpV4[EthernetFrame.HeaderLength..];
        // The kernel quoted the datagram with its partial checksum.
        original[26] = 0xfe;
        original[27] = 0x2a;
        var frame = new byte[CapturedPackets.IcmpV4PortUnreachable.Length];

        int at = EthernetWriter.Write(frame, NoMac, NoMac, EtherType.IPv4);
        int icmp = IcmpV4Writer.WriteDestinationUnreachable(frame.AsSpan(at + 20), 3, original);
        IPv4Writer.WriteHeader(frame.AsSpan(at), CapturedPackets.LoopbackV4, CapturedPackets.LoopbackV4, IpProtocol.Icmp, icmp,
            ttl: 64, identification: 0x71d5, dontFragment: false, typeOfService: 0xc0);

        Assert.Equal(Convert.ToHexString(CapturedPackets.IcmpV4PortUnreachable), Convert.ToHexString(frame));
    }

    [Fact]
    public void IcmpV6Writer_KernelsPortUnreachable_SameBytes()
    {
        var original = CapturedPackets.IcmpV6PortUnreachable[(EthernetFrame.HeaderLength + 48)..];
        var frame = new byte[CapturedPackets.IcmpV6PortUnreachable.Length];
        var lo = CapturedPackets.LoopbackV6;

        int at = EthernetWriter.Write(frame, NoMac, NoMac, EtherType.IPv6);
        int icmp = IcmpV6Writer.WriteDestinationUnreachable(frame.AsSpan(at + 40), 4, original, lo, lo);
        IPv6Writer.WriteHeader(frame.AsSpan(at), lo, lo, IpProtocol.IcmpV6, icmp, hopLimit: 64, flowLabel: 0x20e3b);

        Assert.Equal(Convert.ToHexString(CapturedPackets.IcmpV6PortUnreachable), Convert.ToHexString(frame));
    }

    [Fact]
    public void TcpWriter_KernelsReset_SameBytes()
    {
        var frame = new byte[CapturedPackets.TcpV4Reset.Length];
        var lo = CapturedPackets.LoopbackV4;

        int at = EthernetWriter.Write(frame, NoMac, NoMac, EtherType.IPv4);
        int tcp = TcpWriter.WriteHeader(frame.AsSpan(at + 20), 9, 36840, 0, 0xf684_47fa, TcpFlags.Rst | TcpFlags.Ack, 0, [], 0, lo, lo);
        IPv4Writer.WriteHeader(frame.AsSpan(at), lo, lo, IpProtocol.Tcp, tcp, ttl: 64);

        Assert.Equal(Convert.ToHexString(CapturedPackets.TcpV4Reset), Convert.ToHexString(frame));
    }

    [Fact]
    public void TcpWriter_SynWithLinuxOptions_SameBytesAsHandChecked()
    {
        var frame = new byte[CapturedPackets.TcpV6Syn.Length];
        var lo = CapturedPackets.LoopbackV6;
        var options = TcpOptionBytes.Syn(65476, 10, sackPermitted: true, (0x4229_ba73, 0));

        int at = EthernetWriter.Write(frame, NoMac, NoMac, EtherType.IPv6);
        int header = TcpWriter.WriteHeader(frame.AsSpan(at + 40), 39902, 9, 0x8142_bb98, 0, TcpFlags.Syn, 65476, options, 0, lo, lo);
        IPv6Writer.WriteHeader(frame.AsSpan(at), lo, lo, IpProtocol.Tcp, header, hopLimit: 64, flowLabel: 0x88eff);

        Assert.Equal(Convert.ToHexString(CapturedPackets.TcpV6Syn), Convert.ToHexString(frame));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UdpWriter_LoopbackDatagram_SameBytesAsHandChecked(bool v6)
    {
        var expected = v6 ? CapturedPackets.UdpV6 : CapturedPackets.UdpV4;
        var frame = new byte[expected.Length];
        var lo = v6 ? CapturedPackets.LoopbackV6 : CapturedPackets.LoopbackV4;
        var payload = v6 ? "nvo3 udp6 vector"u8 : "nvo3 udp vector"u8;
        int ipHeader = v6 ? 40 : 20;

        int at = EthernetWriter.Write(frame, NoMac, NoMac, v6 ? EtherType.IPv6 : EtherType.IPv4);
        payload.CopyTo(frame.AsSpan(at + ipHeader + 8));
        UdpWriter.WriteHeader(frame.AsSpan(at + ipHeader), v6 ? (ushort)47383 : (ushort)47910, 9999, payload.Length, lo, lo);
        if (v6)
        {
            IPv6Writer.WriteHeader(frame.AsSpan(at), lo, lo, IpProtocol.Udp, 8 + payload.Length, hopLimit: 64, flowLabel: 0x9d1f1);
        }
        else
        {
            IPv4Writer.WriteHeader(frame.AsSpan(at), lo, lo, IpProtocol.Udp, 8 + payload.Length, ttl: 64, identification: 0x7ebe);
        }

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(frame));
    }

    private static void AssertTransportValid(byte protocol, IpAddr source, IpAddr destination, ReadOnlySpan<byte> payload)
    {
        switch (protocol)
        {
            case IpProtocol.Udp:
                Assert.True(UdpDatagram.TryParse(payload, out var udp, out _));
                Assert.True(udp.IsChecksumValid(source, destination));
                break;
            case IpProtocol.Tcp:
                Assert.True(TcpSegment.TryParse(payload, out var tcp, out _));
                Assert.True(tcp.IsChecksumValid(source, destination));
                break;
            case IpProtocol.Icmp:
                Assert.True(IcmpV4Packet.TryParse(payload, out var icmp, out _));
                Assert.True(icmp.IsChecksumValid);
                break;
            case IpProtocol.IcmpV6:
                Assert.True(IcmpV6Packet.TryParse(payload, out var icmp6, out _));
                Assert.True(icmp6.IsChecksumValid(source, destination));
                break;
            default:
                Assert.Fail($"Unexpected protocol {protocol}.");
                break;
        }
    }

    // A plain 16-bit one's-complement sum, the way RFC 1071 describes it, as the reference.
    private static ushort ReferenceSum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += (uint)(data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0u);
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)sum;
    }

    private static byte[] Pad(byte[] header, int totalLength)
    {
        var packet = new byte[totalLength];
        header.CopyTo(packet, 0);
        return packet;
    }
}
