using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nvo3.Packets;

/// <summary>
/// The Internet checksum (RFC 1071): the one's-complement of the one's-complement sum of 16-bit
/// words, and the pseudo-header sums that TCP, UDP and ICMPv6 cover.
/// </summary>
public static class Checksum
{
    /// <summary>
    /// Adds <paramref name="data"/> to a running one's-complement accumulator. Data of odd length
    /// is padded with a zero byte, so an odd-length span must come last.
    /// </summary>
    public static ulong Add(ulong accumulator, ReadOnlySpan<byte> data)
    {
        ulong sum = accumulator;
        if (BitConverter.IsLittleEndian && Vector256.IsHardwareAccelerated && data.Length >= VectorMinimum)
        {
            // Long data (a segment's payload) 32 bytes at a time; an even number of bytes, so the
            // rest below keeps its 16-bit word boundaries.
            int whole = data.Length & ~(Vector256<byte>.Count - 1);
            sum += SumVectors(data[..whole]);
            data = data[whole..];
        }
        // Sum big-endian 32-bit words into a 64-bit accumulator: carries pile up in the high
        // half and are folded once at the end, which gives the same result as 16-bit adds.
        int i = 0;
        var words = MemoryMarshal.Cast<byte, uint>(data);
        for (; i < words.Length; i++)
        {
            sum += BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(words[i]) : words[i];
        }
        int at = words.Length * 4;
        if (data.Length - at >= 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[at..]);
            at += 2;
        }
        if (at < data.Length)
        {
            sum += (ulong)data[at] << 8;
        }
        return sum;
    }

    // Below this many bytes the scalar loop is as fast.
    private const int VectorMinimum = 128;

    // The sum of data (a multiple of 32 bytes) as 16-bit little-endian words in vector lanes,
    // folded and byte-swapped: the one's-complement sum does not depend on byte order, so the
    // swapped sum of swapped words is the big-endian sum (RFC 1071 section 2(B)).
    private static ulong SumVectors(ReadOnlySpan<byte> data)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        var low = Vector256.Create(0xFFFFu);
        ulong total = 0;
        int at = 0;
        while (at < data.Length)
        {
            // A 32-bit lane grows by at most 2 × 0xFFFF a step: drained into 64 bits long before it could overflow.
            int end = Math.Min(data.Length, at + (Vector256<byte>.Count * 16384));
            var lanes = Vector256<uint>.Zero;
            for (; at < end; at += Vector256<byte>.Count)
            {
                var words = Vector256.LoadUnsafe(ref start, (nuint)at).AsUInt32();
                lanes += (words & low) + (words >> 16);
            }
            var (lower, upper) = Vector256.Widen(lanes);
            total += Vector256.Sum(lower + upper);
        }
        return BinaryPrimitives.ReverseEndianness(Fold(total));
    }

    /// <summary>Folds an accumulator to 16 bits (one's-complement sum, not yet complemented).</summary>
    public static ushort Fold(ulong accumulator)
    {
        while ((accumulator >> 16) != 0)
        {
            accumulator = (accumulator & 0xFFFF) + (accumulator >> 16);
        }
        return (ushort)accumulator;
    }

    /// <summary>The checksum field value for the data summed into <paramref name="accumulator"/>.</summary>
    public static ushort Finish(ulong accumulator) => (ushort)~Fold(accumulator);

    /// <summary>The checksum of <paramref name="data"/> alone (IPv4 header, ICMPv4).</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));

    /// <summary>True when data that contains its own checksum field sums to 0xFFFF.</summary>
    public static bool Verify(ReadOnlySpan<byte> data) => Fold(Add(0, data)) == 0xFFFF;

    /// <summary>The pseudo-header sum for TCP/UDP/ICMPv6 (RFC 768, RFC 793, RFC 8200 section 8.1).</summary>
    public static ulong PseudoHeader(IpAddr source, IpAddr destination, byte protocol, int upperLayerLength)
    {
        ulong sum = AddAddress(0, source);
        sum = AddAddress(sum, destination);
        sum += protocol;
        sum += (uint)upperLayerLength;
        return sum;
    }

    /// <summary>The checksum of a TCP/UDP/ICMPv6 segment (with its checksum field zeroed) under its pseudo-header.</summary>
    public static ushort ComputeTransport(IpAddr source, IpAddr destination, byte protocol, ReadOnlySpan<byte> segment)
    {
        ushort value = Finish(Add(PseudoHeader(source, destination, protocol, segment.Length), segment));
        // UDP sends an all-ones checksum where the computed value is zero; zero means "none" (RFC 768).
        return protocol == IpProtocol.Udp && value == 0 ? (ushort)0xFFFF : value;
    }

    /// <summary>True when a TCP/UDP/ICMPv6 segment (with its checksum field in place) verifies under its pseudo-header.</summary>
    public static bool VerifyTransport(IpAddr source, IpAddr destination, byte protocol, ReadOnlySpan<byte> segment) =>
        Fold(Add(PseudoHeader(source, destination, protocol, segment.Length), segment)) == 0xFFFF;

    /// <summary>Adds the 16-bit words of an address to an accumulator.</summary>
    public static ulong AddAddress(ulong accumulator, IpAddr address)
    {
        if (address.IsV4)
        {
            return accumulator + (address.V4Value >> 16) + (address.V4Value & 0xFFFF);
        }
        UInt128 v = address.V6Value;
        ulong hi = (ulong)(v >> 64);
        ulong lo = (ulong)v;
        return accumulator + SumWords(hi) + SumWords(lo);
    }

    /// <summary>The sum (not folded) of the four 16-bit words of a 64-bit value.</summary>
    public static ulong SumWords(ulong value) =>
        (value >> 48) + ((value >> 32) & 0xFFFF) + ((value >> 16) & 0xFFFF) + (value & 0xFFFF);

    /// <summary>
    /// Completes a partial checksum as a NIC does for a frame marked "checksum needed" (a virtio-net
    /// <c>NEEDS_CSUM</c>, Linux's <c>CHECKSUM_PARTIAL</c>): the field at <paramref name="start"/> +
    /// <paramref name="offset"/> holds the pseudo-header sum; the one's-complement sum of everything from
    /// <paramref name="start"/> to the end, field included, is complemented into the field. A result of
    /// zero is written as 0xFFFF, as Linux's <c>skb_checksum_help</c> does (the same value in
    /// one's-complement arithmetic, and the only one UDP accepts).
    /// </summary>
    public static void CompletePartial(Span<byte> data, int start, int offset)
    {
        ushort value = Finish(Add(0, data[start..]));
        BinaryPrimitives.WriteUInt16BigEndian(data[(start + offset)..], value == 0 ? (ushort)0xFFFF : value);
    }

    /// <summary>
    /// Updates a checksum field when one 16-bit word covered by it changes (RFC 1624, eqn. 3):
    /// HC' = ~(~HC + ~m + m').
    /// </summary>
    public static ushort Update(ushort checksum, ushort oldWord, ushort newWord) =>
        (ushort)~Fold((ulong)(ushort)~checksum + (ushort)~oldWord + newWord);
}
