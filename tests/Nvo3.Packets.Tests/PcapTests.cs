using System.Buffers.Binary;
using CsCheck;

namespace Nvo3.Packets.Tests;

public class PcapTests
{
    private static readonly DateTimeOffset Start = new(2025, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(true, PcapWriter.MagicNanoseconds)]
    [InlineData(false, PcapWriter.MagicMicroseconds)]
    public void Writer_GlobalHeader_IsLibpcap24Ethernet(bool nanoseconds, uint magic)
    {
        using var stream = new MemoryStream();
        using (new PcapWriter(stream, nanoseconds, snapLength: 9000, leaveOpen: true))
        {
        }

        var header = stream.ToArray();
        Assert.Equal(24, header.Length);
        Assert.Equal(magic, BinaryPrimitives.ReadUInt32LittleEndian(header));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(4)));
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(6)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(8)));
        Assert.Equal(9000u, BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(16)));
        Assert.Equal(PcapWriter.LinkTypeEthernet, BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(20)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Write_ThenRead_GivesBackFramesAndStamps(bool nanoseconds)
    {
        var frames = Frames.Corpus();
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, nanoseconds, leaveOpen: true))
        {
            for (int i = 0; i < frames.Count; i++)
            {
                writer.Write(Start.AddTicks(i * 12_340), frames[i]);
            }
            Assert.Equal(frames.Count, writer.Count);
        }

        stream.Position = 0;
        using var reader = new PcapReader(stream);
        Assert.Equal(PcapWriter.LinkTypeEthernet, reader.LinkType);
        Assert.Equal(65535, reader.SnapLength);
        for (int i = 0; i < frames.Count; i++)
        {
            Assert.True(reader.TryRead(out var stamp, out var frame, out int originalLength));
            Assert.Equal(frames[i], frame.ToArray());
            Assert.Equal(frames[i].Length, originalLength);
            // 12,340 ticks is 1234.0 µs: exact in both resolutions.
            Assert.Equal(Start.AddTicks(i * 12_340), stamp);
        }
        Assert.False(reader.TryRead(out _, out _, out _));
    }

    [Fact]
    public void Write_Nanoseconds_Keeps100NsTicks()
    {
        var stamp = Start.AddTicks(1_234_567);
        Assert.Equal(stamp, RoundTripStamp(stamp, nanoseconds: true));
        Assert.Equal(Start.AddTicks(1_234_560), RoundTripStamp(stamp, nanoseconds: false));
    }

    [Fact]
    public void Write_FrameLongerThanSnapLength_CutsItAndKeepsOriginalLength()
    {
        var frame = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, snapLength: 128, leaveOpen: true))
        {
            writer.Write(Start, frame);
        }

        stream.Position = 0;
        using var reader = new PcapReader(stream);
        Assert.Equal(128, reader.SnapLength);
        Assert.True(reader.TryRead(out _, out var read, out int originalLength));
        Assert.Equal(frame[..128], read.ToArray());
        Assert.Equal(300, originalLength);
    }

    [Fact]
    public void Write_RandomFramesAndStamps_RoundTrip()
    {
        var stamps = Gen.Long[0, 4_000_000_000L * TimeSpan.TicksPerSecond / 1000].Select(t => DateTimeOffset.UnixEpoch.AddTicks(t * 1000));
        Gen.Select(Gen.Bool, Gen.Select(stamps, Gen.Byte.Array[0, 3000]).List[0, 20]).Sample((nanoseconds, records) =>
        {
            using var stream = new MemoryStream();
            using (var writer = new PcapWriter(stream, nanoseconds, leaveOpen: true))
            {
                foreach (var (stamp, frame) in records)
                {
                    writer.Write(stamp, frame);
                }
                writer.Flush();
            }

            stream.Position = 0;
            using var reader = new PcapReader(stream);
            foreach (var (stamp, frame) in records)
            {
                Assert.True(reader.TryRead(out var readStamp, out var readFrame, out int originalLength));
                Assert.Equal(stamp, readStamp);
                Assert.Equal(frame, readFrame.ToArray());
                Assert.Equal(frame.Length, originalLength);
            }
            Assert.False(reader.TryRead(out _, out _, out _));
        }, iter: 200);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reader_BigEndianFile_ReadsIt(bool nanoseconds)
    {
        // Written by a big-endian host: every header field in network order.
        var file = new byte[24 + 16 + 3];
        BinaryPrimitives.WriteUInt32BigEndian(file, nanoseconds ? PcapWriter.MagicNanoseconds : PcapWriter.MagicMicroseconds);
        BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(16), 1500);
        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(24), 1_700_000_000);
        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(28), 500);
        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(32), 3);
        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(36), 64);
        file[40] = 0xAA;
        file[41] = 0xBB;
        file[42] = 0xCC;

        using var reader = new PcapReader(new MemoryStream(file));

        Assert.Equal(1u, reader.LinkType);
        Assert.Equal(1500, reader.SnapLength);
        Assert.True(reader.TryRead(out var stamp, out var frame, out int originalLength));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(nanoseconds ? 5 : 5000), stamp);
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC }, frame.ToArray());
        Assert.Equal(64, originalLength);
    }

    [Fact]
    public void Reader_NotPcap_ThrowsInvalidData()
    {
        var pcapng = new byte[64];
        BinaryPrimitives.WriteUInt32LittleEndian(pcapng, 0x0A0D_0D0A);

        Assert.Throws<InvalidDataException>(() => new PcapReader(new MemoryStream(pcapng)));
    }

    [Fact]
    public void Reader_RecordClaimingTooManyBytes_ThrowsInvalidData()
    {
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, leaveOpen: true))
        {
            writer.Write(Start, new byte[10]);
        }
        var file = stream.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(24 + 8), 1 << 30);

        using var reader = new PcapReader(new MemoryStream(file));
        Assert.Throws<InvalidDataException>(() => reader.TryRead(out _, out _, out _));
    }

    [Fact]
    public void Reader_RandomBytes_ThrowsOnlyDataErrors()
    {
        // The reader is for tests and tools: malformed files may throw, but only to say the data is bad.
        var files = Gen.Select(Gen.Bool, Gen.Byte.Array[0, 200]).Select((valid, bytes) =>
        {
            if (valid && bytes.Length >= 24)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, PcapWriter.MagicNanoseconds);
            }
            return bytes;
        });
        files.Sample(bytes =>
        {
            try
            {
                using var reader = new PcapReader(new MemoryStream(bytes));
                while (reader.TryRead(out _, out var frame, out _))
                {
                    Assert.InRange(frame.Length, 0, bytes.Length);
                }
            }
            catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
            {
            }
        }, iter: 200); // most samples throw, and exceptions are slow: 200 are enough.
    }

    [Fact]
    public void Dispose_LeaveOpenFalse_ClosesTheStream()
    {
        var stream = new MemoryStream();
        new PcapWriter(stream).Dispose();

        Assert.False(stream.CanWrite);
    }

    [Fact]
    public void Dispose_LeaveOpenTrue_KeepsTheStreamOpen()
    {
        using var stream = new MemoryStream();
        new PcapWriter(stream, leaveOpen: true).Dispose();

        Assert.True(stream.CanWrite);
    }

    private static DateTimeOffset RoundTripStamp(DateTimeOffset stamp, bool nanoseconds)
    {
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, nanoseconds, leaveOpen: true))
        {
            writer.Write(stamp, [1, 2, 3]);
        }
        stream.Position = 0;
        using var reader = new PcapReader(stream);
        Assert.True(reader.TryRead(out var read, out _, out _));
        return read;
    }
}
