using CsCheck;

namespace Nvo3.Packets.Tests;

public class TcpSegmentTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriteHeader_SynWithOptions_ParseKeepsEveryField(bool v6)
    {
        var src = v6 ? Frames.VmIPv6 : Frames.VmIPv4;
        var dst = v6 ? Frames.PeerIPv6 : Frames.PeerIPv4;
        var options = TcpOptionBytes.Syn(1460, 7, sackPermitted: true, (0xA0B0_C0D0, 0x0102_0304));
        var segment = new byte[60 + 3];
        "abc"u8.CopyTo(segment.AsSpan(40));

        int header = TcpWriter.WriteHeader(segment.AsSpan(0, 43), 43210, 22, 0x1122_3344, 0x5566_7788, TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Ece,
            64240, options, 3, src, dst);

        Assert.Equal(40, header);
        Assert.True(TcpSegment.TryParse(segment.AsSpan(0, 43), out var tcp, out var error));
        Assert.Equal(PacketError.None, error);
        Assert.Equal(43210, tcp.SourcePort);
        Assert.Equal(22, tcp.DestinationPort);
        Assert.Equal(0x1122_3344u, tcp.SequenceNumber);
        Assert.Equal(0x5566_7788u, tcp.AcknowledgmentNumber);
        Assert.Equal(40, tcp.HeaderLength);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Ece, tcp.Flags);
        Assert.Equal(64240, tcp.Window);
        Assert.Equal(0, tcp.UrgentPointer);
        Assert.Equal(options, tcp.Options.ToArray());
        Assert.Equal("abc"u8.ToArray(), tcp.Payload.ToArray());
        Assert.True(tcp.TryGetMss(out ushort mss));
        Assert.Equal(1460, mss);
        Assert.True(tcp.TryGetWindowScale(out byte shift));
        Assert.Equal(7, shift);
        Assert.True(tcp.SackPermitted);
        Assert.True(tcp.TryGetTimestamps(out uint value, out uint echoReply));
        Assert.Equal(0xA0B0_C0D0u, value);
        Assert.Equal(0x0102_0304u, echoReply);
        Assert.True(tcp.IsChecksumValid(src, dst));
        Assert.False(tcp.IsChecksumValid(src, v6 ? Frames.GatewayIPv6 : Frames.GatewayIPv4));
    }

    [Fact]
    public void WriteHeader_NoOptions_HasNone()
    {
        var segment = new byte[20];
        Assert.Equal(20, TcpWriter.WriteHeader(segment, 1, 2, 3, 4, TcpFlags.Ack, 5, [], 0, Frames.VmIPv4, Frames.PeerIPv4));

        Assert.True(TcpSegment.TryParse(segment, out var tcp, out _));
        Assert.Equal(20, tcp.HeaderLength);
        Assert.True(tcp.Options.IsEmpty);
        Assert.True(tcp.Payload.IsEmpty);
        Assert.False(tcp.TryGetMss(out _));
        Assert.False(tcp.TryGetWindowScale(out _));
        Assert.False(tcp.SackPermitted);
        Assert.False(tcp.TryGetTimestamps(out _, out _));
        Assert.True(tcp.IsChecksumValid(Frames.VmIPv4, Frames.PeerIPv4));
    }

    [Fact]
    public void WriteHeader_OptionsNotMultipleOf4_PadsWithEndOfList()
    {
        var segment = new byte[24];
        byte[] windowScale = [TcpOptionBytes.KindWindowScale, 3, 9];

        Assert.Equal(24, TcpWriter.WriteHeader(segment, 1, 2, 3, 4, TcpFlags.Syn, 5, windowScale, 0, Frames.VmIPv4, Frames.PeerIPv4));

        Assert.Equal(0x60, segment[12]);
        Assert.Equal(0, segment[23]);
        Assert.True(TcpSegment.TryParse(segment, out var tcp, out _));
        Assert.True(tcp.TryGetWindowScale(out byte shift));
        Assert.Equal(9, shift);
        Assert.True(tcp.IsChecksumValid(Frames.VmIPv4, Frames.PeerIPv4));
    }

    [Fact]
    public void WriteHeader_RandomFieldsAndOptions_RoundTrip()
    {
        var options = Gen.Select(Gen.Bool, Gen.UShort, Gen.Bool, Gen.Byte[0, 14], Gen.Bool, Gen.Bool, Gen.UInt, Gen.UInt,
            (hasMss, mss, hasWs, ws, sack, hasTs, tsVal, tsEcr) =>
                (Mss: hasMss ? mss : (ushort?)null, Ws: hasWs ? ws : (byte?)null, Sack: sack, Ts: hasTs ? (tsVal, tsEcr) : ((uint, uint)?)null));
        var header = Gen.Select(PacketGen.Port, PacketGen.Port, Gen.UInt, Gen.UInt, Gen.Byte, Gen.UShort);
        Gen.Select(PacketGen.AddressPair, header, options, PacketGen.Payload).Sample((addresses, h, o, payload) =>
        {
            var (src, dst) = addresses;
            var (sourcePort, destinationPort, sequence, acknowledgment, flags, window) = h;
            var optionBytes = TcpOptionBytes.Syn(o.Mss, o.Ws, o.Sack, o.Ts);
            int headerLength = 20 + ((optionBytes.Length + 3) & ~3);
            var segment = new byte[headerLength + payload.Length];
            payload.CopyTo(segment, headerLength);

            Assert.Equal(headerLength, TcpWriter.WriteHeader(segment, sourcePort, destinationPort, sequence, acknowledgment, (TcpFlags)flags, window,
                optionBytes, payload.Length, src, dst));

            Assert.True(TcpSegment.TryParse(segment, out var tcp, out var error));
            Assert.Equal(PacketError.None, error);
            Assert.Equal(sourcePort, tcp.SourcePort);
            Assert.Equal(destinationPort, tcp.DestinationPort);
            Assert.Equal(sequence, tcp.SequenceNumber);
            Assert.Equal(acknowledgment, tcp.AcknowledgmentNumber);
            Assert.Equal((TcpFlags)flags, tcp.Flags);
            Assert.Equal(window, tcp.Window);
            Assert.Equal(headerLength, tcp.HeaderLength);
            Assert.Equal(payload, tcp.Payload.ToArray());
            Assert.Equal(o.Mss.HasValue, tcp.TryGetMss(out ushort mss));
            Assert.Equal(o.Mss ?? 0, mss);
            Assert.Equal(o.Ws.HasValue, tcp.TryGetWindowScale(out byte ws));
            Assert.Equal(o.Ws ?? 0, ws);
            Assert.Equal(o.Sack, tcp.SackPermitted);
            Assert.Equal(o.Ts.HasValue, tcp.TryGetTimestamps(out uint tsVal, out uint tsEcr));
            Assert.Equal(o.Ts?.Item1 ?? 0, tsVal);
            Assert.Equal(o.Ts?.Item2 ?? 0, tsEcr);
            Assert.True(tcp.IsChecksumValid(src, dst));
        }, iter: 2000);
    }

    [Fact]
    public void TryGetMss_AfterEndOfList_IsNotFound()
    {
        var segment = new byte[28];
        byte[] options = [TcpOptionBytes.KindEnd, 0, 0, 0, TcpOptionBytes.KindMss, 4, 0x05, 0xB4];
        TcpWriter.WriteHeader(segment, 1, 2, 3, 4, TcpFlags.Syn, 5, options, 0, Frames.VmIPv4, Frames.PeerIPv4);

        Assert.True(TcpSegment.TryParse(segment, out var tcp, out _));
        Assert.False(tcp.TryGetMss(out _));
    }

    [Fact]
    public void TryGetMss_WrongLength_IsNotFound()
    {
        var segment = new byte[24];
        byte[] options = [TcpOptionBytes.KindMss, 3, 0x05, TcpOptionBytes.KindNop];
        TcpWriter.WriteHeader(segment, 1, 2, 3, 4, TcpFlags.Syn, 5, options, 0, Frames.VmIPv4, Frames.PeerIPv4);

        Assert.True(TcpSegment.TryParse(segment, out var tcp, out _));
        Assert.False(tcp.TryGetMss(out _));
    }

    [Fact]
    public void WriteHeader_OptionsOver40Bytes_Throws()
    {
        var segment = new byte[80];

        Assert.Throws<ArgumentException>(() => TcpWriter.WriteHeader(segment, 1, 2, 3, 4, TcpFlags.Syn, 5, new byte[41], 0, Frames.VmIPv4, Frames.PeerIPv4));
    }

    [Fact]
    public void WriteHeader_DestinationTooShortForPayload_Throws()
    {
        var segment = new byte[25];

        Assert.Throws<ArgumentException>(() => TcpWriter.WriteHeader(segment, 1, 2, 3, 4, TcpFlags.Ack, 5, [], 6, Frames.VmIPv4, Frames.PeerIPv4));
    }

    [Fact]
    public void TryParse_ShorterThan20Bytes_RefusesAsTruncated()
    {
        Assert.False(TcpSegment.TryParse(new byte[19], out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }

    [Fact]
    public void TryParse_DataOffsetUnder5_RefusesAsBadLength()
    {
        var segment = new byte[20];
        segment[12] = 0x40;

        Assert.False(TcpSegment.TryParse(segment, out _, out var error));
        Assert.Equal(PacketError.BadLength, error);
    }

    [Fact]
    public void TryParse_DataOffsetBeyondData_RefusesAsTruncated()
    {
        var segment = new byte[23];
        segment[12] = 0x60;

        Assert.False(TcpSegment.TryParse(segment, out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }

    [Theory]
    [InlineData(new byte[] { 2, 0, 0, 0 })] // length 0
    [InlineData(new byte[] { 2, 1, 0, 0 })] // length 1
    [InlineData(new byte[] { 1, 1, 8, 10 })] // timestamps longer than the header
    [InlineData(new byte[] { 1, 1, 1, 3 })] // a kind byte without its length
    public void TryParse_MalformedOption_RefusesAsBadOption(byte[] options)
    {
        var segment = new byte[24];
        segment[12] = 0x60;
        options.CopyTo(segment, 20);

        Assert.False(TcpSegment.TryParse(segment, out _, out var error));
        Assert.Equal(PacketError.BadOption, error);
    }
}
