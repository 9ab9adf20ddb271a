using Nvo3.Nva;
using System.Buffers.Binary;
using System.IO.Hashing;
using CsCheck;
using Nvo3.Migration.Transfer;

namespace Nvo3.Migration.Tests;

public class FrameTests
{
    private static byte[] Encode(FrameType type, byte[] payload)
    {
        var stream = new MemoryStream();
        new FrameWriter(stream).SendAsync(type, payload).AsTask().GetAwaiter().GetResult();
        return stream.ToArray();
    }

    private static async Task<ProtocolError> ReadErrorAsync(byte[] bytes, int maxPayload = FrameHeader.MaxPayloadLength)
    {
        var reader = new FrameReader(new MemoryStream(bytes), maxPayload);
        var ex = await Assert.ThrowsAsync<MigrationProtocolException>(async () => await reader.ReadAsync());
        return ex.Error;
    }

    /// <summary>Rewrites the header check after editing header bytes, so only the edited field is wrong.</summary>
    private static void Reseal(byte[] frame) =>
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(12), XxHash32.HashToUInt32(frame.AsSpan(0, 12)));

    [Fact]
    public async Task ReadAsync_FramesWritten_ReadsTheSameAndThenEnd()
    {
        var stream = new MemoryStream();
        var writer = new FrameWriter(stream);
        await writer.SendAsync(FrameType.Hello, [1, 2, 3]);
        await writer.SendAsync(FrameType.Resumed, ReadOnlySpan<byte>.Empty);
        stream.Position = 0;
        var reader = new FrameReader(stream);
        var first = await reader.ReadAsync();
        Assert.Equal(FrameType.Hello, first!.Value.Type);
        Assert.Equal([1, 2, 3], first.Value.Payload.ToArray());
        var second = await reader.ReadAsync();
        Assert.Equal(FrameType.Resumed, second!.Value.Type);
        Assert.Null(await reader.ReadAsync());
        Assert.Equal(writer.BytesWritten, reader.BytesRead);
    }

    [Fact]
    public async Task ReadAsync_BadMagic_Refuses()
    {
        var frame = Encode(FrameType.Hello, [1]);
        frame[0] = (byte)'G';
        Assert.Equal(ProtocolError.BadMagic, await ReadErrorAsync(frame));
    }

    [Fact]
    public async Task ReadAsync_UnknownVersion_Refuses()
    {
        var frame = Encode(FrameType.Hello, [1]);
        frame[4] = 2;
        Reseal(frame);
        Assert.Equal(ProtocolError.UnknownVersion, await ReadErrorAsync(frame));
    }

    [Fact]
    public async Task ReadAsync_CorruptHeader_RefusesByHeaderCheck()
    {
        var frame = Encode(FrameType.Pages, new byte[100]);
        frame[9] ^= 0x40; // the length
        Assert.Equal(ProtocolError.BadHeaderChecksum, await ReadErrorAsync(frame));
    }

    [Fact]
    public async Task ReadAsync_PayloadChanged_RefusesByChecksum()
    {
        var frame = Encode(FrameType.Pages, new byte[100]);
        frame[^1] ^= 1;
        Assert.Equal(ProtocolError.BadChecksum, await ReadErrorAsync(frame));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(FrameHeader.Length + 50)]
    public async Task ReadAsync_StreamEndsInsideFrame_Truncated(int keep)
    {
        var frame = Encode(FrameType.Pages, new byte[100]);
        Assert.Equal(ProtocolError.Truncated, await ReadErrorAsync(frame[..keep]));
    }

    [Fact]
    public async Task ReadAsync_PayloadOverLimit_TooLarge()
    {
        var frame = Encode(FrameType.Pages, new byte[100]);
        Assert.Equal(ProtocolError.TooLarge, await ReadErrorAsync(frame, maxPayload: 99));
    }

    [Fact]
    public async Task ReadAsync_UnknownType_Refuses()
    {
        var frame = Encode(FrameType.Pages, [1]);
        frame[5] = 200;
        Reseal(frame);
        Assert.Equal(ProtocolError.UnknownType, await ReadErrorAsync(frame));
    }

    [Fact]
    public async Task ReadAsync_ReservedFlags_Refuses()
    {
        var frame = Encode(FrameType.Pages, [1]);
        frame[7] = 1;
        Reseal(frame);
        Assert.Equal(ProtocolError.BadFlags, await ReadErrorAsync(frame));
    }

    [Fact]
    public void Fuzz_RandomBytes_OnlyProtocolErrorsOrFrames()
    {
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            var reader = new FrameReader(new MemoryStream(bytes), 1 << 16);
            try
            {
                while (reader.ReadAsync().AsTask().GetAwaiter().GetResult() is not null)
                {
                }
            }
            catch (MigrationProtocolException)
            {
                // Refused with a reason: what garbage must get.
            }
        }, iter: 2000);
    }

    [Fact]
    public void Fuzz_OneBitFlipped_AlwaysRefused()
    {
        var gen = Gen.Select(Gen.Byte.Array[0, 200], Gen.Int[0, 100_000]);
        gen.Sample((payload, flip) =>
        {
            var frame = Encode(FrameType.Pages, payload);
            int bit = flip % (frame.Length * 8);
            frame[bit / 8] ^= (byte)(1 << (bit % 8));
            var reader = new FrameReader(new MemoryStream(frame));
            var ex = Assert.Throws<MigrationProtocolException>(() => reader.ReadAsync().AsTask().GetAwaiter().GetResult());
            Assert.NotEqual(ProtocolError.None, ex.Error);
        }, iter: 2000);
    }

    [Fact]
    public void Fuzz_ValidFramesCutAnywhere_TruncatedOrWhole()
    {
        Gen.Select(Gen.Byte.Array[0, 100], Gen.Int[0, 200]).Sample((payload, cut) =>
        {
            var frame = Encode(FrameType.Blocks, payload);
            int keep = Math.Min(cut, frame.Length);
            var reader = new FrameReader(new MemoryStream(frame[..keep]));
            if (keep == 0)
            {
                Assert.Null(reader.ReadAsync().AsTask().GetAwaiter().GetResult());
            }
            else if (keep == frame.Length)
            {
                Assert.Equal(payload, reader.ReadAsync().AsTask().GetAwaiter().GetResult()!.Value.Payload.ToArray());
            }
            else
            {
                var ex = Assert.Throws<MigrationProtocolException>(() => reader.ReadAsync().AsTask().GetAwaiter().GetResult());
                Assert.Equal(ProtocolError.Truncated, ex.Error);
            }
        }, iter: 1000);
    }

    [Fact]
    public void Fuzz_RandomPayloads_MessageDecodersOnlyRefuse()
    {
        var workload = new Workload("w", new WorkloadShape { MemoryBytes = 64 << 10, DiskBytes = 128 << 10, BlockSize = 64 << 10, DeviceStateBytes = 16 });
        var hash = workload.ComputeStateHash();
        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            Refuses(() => HelloMessage.Read(bytes));
            Refuses(() => WelcomeMessage.Read(bytes));
            Refuses(() => StateCompleteMessage.Read(bytes));
            Refuses(() => ReadyMessage.Read(bytes));
            Refuses(() => UnitBatch.Read(bytes, FrameType.Pages, Workload.PageSize, 16).Count);
            Refuses(() => UnitBatch.Read(bytes, FrameType.Blocks, 8, 4).Count);
            Refuses(() => FieldMessage.ReadString(bytes, FrameType.Abort));
            Refuses(() => WriteBatch.Apply(bytes, workload));
        }, iter: 2000);
        // A malformed batch is refused before any of it is applied.
        Assert.Equal(hash, workload.ComputeStateHash());
    }

    private static void Refuses<T>(Func<T> decode)
    {
        try
        {
            decode();
        }
        catch (MigrationProtocolException ex)
        {
            Assert.Equal(ProtocolError.Malformed, ex.Error);
        }
    }

    [Fact]
    public void Hello_RoundTrip_KeepsEveryField()
    {
        var shape = new WorkloadShape { MemoryBytes = 1 << 20, DiskBytes = 2 << 20, BlockSize = 128 << 10, DeviceStateBytes = 100 };
        var hello = new HelloMessage(Guid.NewGuid(), MigrationMode.Warm, "vm-ü", "server-a", shape);
        var buffer = new byte[hello.Size];
        int n = hello.Write(buffer);
        Assert.Equal(hello, HelloMessage.Read(buffer.AsSpan(0, n)));
    }

    [Fact]
    public void Hello_OversizedMemory_Malformed()
    {
        var hello = new HelloMessage(Guid.NewGuid(), MigrationMode.Hot, "vm", "a", new WorkloadShape());
        var buffer = new byte[hello.Size];
        hello.Write(buffer);
        // Memory is the i64 after the id, mode and two strings.
        int memoryAt = 16 + 1 + 2 + 2 + 2 + 1;
        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(memoryAt), long.MaxValue);
        var ex = Assert.Throws<MigrationProtocolException>(() => HelloMessage.Read(buffer));
        Assert.Equal(ProtocolError.Malformed, ex.Error);
    }

    [Fact]
    public void UnitBatch_RoundTrip_CarriesIndicesAndUnits()
    {
        var workload = new Workload("w", new WorkloadShape { MemoryBytes = 64 << 10 });
        workload.Fill(5);
        int[] pages = [1, 7, 15];
        var buffer = new byte[UnitBatch.SizeOf(pages.Length, Workload.PageSize)];
        UnitBatch.Write(buffer, 4, pages, workload.Memory);
        var batch = UnitBatch.Read(buffer, FrameType.Pages, Workload.PageSize, 16);
        Assert.Equal(4u, batch.Round);
        Assert.Equal(3, batch.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(pages[i], batch.Index(i));
            Assert.True(batch.Unit(i).SequenceEqual(workload.Memory.Unit(pages[i])));
        }
    }

    [Fact]
    public void UnitBatch_IndexPastEnd_Malformed()
    {
        var workload = new Workload("w", new WorkloadShape { MemoryBytes = 64 << 10 });
        var buffer = new byte[UnitBatch.SizeOf(1, Workload.PageSize)];
        UnitBatch.Write(buffer, 0, [15], workload.Memory);
        var ex = Assert.Throws<MigrationProtocolException>(() => UnitBatch.Read(buffer, FrameType.Pages, Workload.PageSize, 15).Count);
        Assert.Equal(ProtocolError.Malformed, ex.Error);
    }
}
