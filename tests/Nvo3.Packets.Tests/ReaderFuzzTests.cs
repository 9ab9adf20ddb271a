using System.Buffers.Binary;
using CsCheck;

namespace Nvo3.Packets.Tests;

/// <summary>
/// Readers face untrusted input on the data path: whatever the bytes, TryParse must return false
/// with a reason or true with consistent lengths, and never throw.
/// </summary>
public class ReaderFuzzTests
{
    private static readonly IReadOnlyList<byte[]> Valid = [.. Frames.Corpus(), .. CapturedPackets.All];

    [Fact]
    public void EveryReader_RandomBytes_NeverThrows()
    {
        PacketGen.Bytes(300).Sample(bytes => ReaderProbe.ProbeAll(bytes), iter: 20_000);
    }

    [Fact]
    public void EveryReader_EveryTruncationOfValidFrames_NeverThrows()
    {
        foreach (var frame in Valid)
        {
            for (int length = 0; length <= frame.Length; length++)
            {
                ReaderProbe.ProbeAll(frame.AsSpan(0, length));
                // And with the end kept: a reader that starts mid-frame sees a truncated header.
                ReaderProbe.ProbeAll(frame.AsSpan(length));
            }
        }
    }

    [Fact]
    public void EveryReader_ValidFramesWithBytesChanged_NeverThrows()
    {
        var mutations = Gen.Select(Gen.Int[0, 1600], Gen.Byte).Array[1, 8];
        Gen.Select(Gen.Int[0, Valid.Count - 1], mutations).Sample((index, changes) =>
        {
            var frame = Valid[index].ToArray();
            foreach (var (at, value) in changes)
            {
                frame[at % frame.Length] = value;
            }
            ReaderProbe.ProbeAll(frame);
        }, iter: 20_000);
    }

    [Fact]
    public void UnderlayFrames_EveryTruncation_ParseOnlyWhenUdpIsWhole()
    {
        foreach (var frame in Valid)
        {
            if (!UnderlayFrame.TryParse(frame, out var whole, out _))
            {
                continue;
            }
            int ipHeader = whole.Source.IsV6 ? IPv6Packet.HeaderLength : IPv4Packet.MinHeaderLength;
            int udpEnd = EthernetFrame.HeaderLength + ipHeader + UdpDatagram.HeaderLength + whole.UdpPayload.Length;
            for (int length = 0; length < frame.Length; length++)
            {
                bool parsed = UnderlayFrame.TryParse(frame.AsSpan(0, length), out var underlay, out var error);
                Assert.Equal(length >= udpEnd, parsed);
                Assert.Equal(parsed ? PacketError.None : PacketError.Truncated, error);
                if (parsed)
                {
                    Assert.Equal(whole.UdpPayload.Length, underlay.UdpPayload.Length);
                }
            }
        }
    }

    [Fact]
    public void TryTranslateDestination_RandomBytes_NeverThrowsAndRefusalLeavesThemAlone()
    {
        var translations = Gen.Select(Gen.ULong, Gen.ULong, Gen.OneOfConst(IlaChecksumMode.NeutralMap, IlaChecksumMode.AdjustTransport, IlaChecksumMode.NoAction));
        Gen.Select(translations, PacketGen.Bytes(120), Gen.Bool, Gen.Bool).Sample((t, bytes, v6, toIla) =>
        {
            var (sirPrefix, locator, mode) = t;
            var translation = new IlaTranslation(sirPrefix, locator, mode);
            if (v6 && bytes.Length > 0)
            {
                bytes[0] = (byte)(0x60 | (bytes[0] & 0x0F));
            }
            if (bytes.Length >= 40)
            {
                // Give the destination the expected prefix now and then, so that translation goes further.
                BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(24), toIla ? sirPrefix : locator);
            }
            var before = bytes.ToArray();

            if (!translation.TryTranslateDestination(bytes, toIla, out var refusal))
            {
                Assert.NotEqual(IlaRefusal.None, refusal);
                Assert.Equal(before, bytes);
            }
            else
            {
                Assert.Equal(IlaRefusal.None, refusal);
            }
        }, iter: 20_000);
    }
}
