using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;

namespace Nvo3.Linux.Tests;

/// <summary>
/// A TCP byte stream whose content is a counter: byte k is byte (k mod 8) of the big-endian
/// 64-bit number k / 8. The receiver checks every byte, so a lost, duplicated or reordered byte is
/// caught at its offset; it also records when each read completed, to measure the longest gap.
/// </summary>
internal static class CounterStream
{
    /// <summary>The counter byte at stream offset <paramref name="offset"/>.</summary>
    public static byte ByteAt(long offset) => (byte)((ulong)(offset >> 3) >> (8 * (7 - (int)(offset & 7))));

    /// <summary>
    /// Sends the pattern in <paramref name="chunk"/>-byte writes, pausing <paramref name="pace"/>
    /// between writes, until <paramref name="stop"/> fires; then shuts the sending side down.
    /// Returns how many bytes it sent. <paramref name="abort"/> ends a write that never completes
    /// (a stalled connection) with an <see cref="OperationCanceledException"/>.
    /// </summary>
    public static async Task<long> SendAsync(Socket socket, int chunk, TimeSpan pace, CancellationToken stop, CancellationToken abort)
    {
        var buffer = new byte[chunk];
        long offset = 0;
        while (!stop.IsCancellationRequested)
        {
            for (int i = 0; i < chunk; i++)
            {
                buffer[i] = ByteAt(offset + i);
            }
            int sent = 0;
            while (sent < chunk)
            {
                sent += await socket.SendAsync(buffer.AsMemory(sent), SocketFlags.None, abort);
            }
            offset += chunk;
            try
            {
                await Task.Delay(pace, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        socket.Shutdown(SocketShutdown.Send);
        return offset;
    }

    /// <summary>What the receiver saw.</summary>
    /// <param name="Bytes">Bytes received in order and checked.</param>
    /// <param name="LongestGapMs">The longest time between two reads.</param>
    /// <param name="GapEndedAt">When (Stopwatch ticks) the longest gap ended.</param>
    public readonly record struct Received(long Bytes, double LongestGapMs, long GapEndedAt);

    /// <summary>Reads until the sender shuts down, checking every byte; throws <see cref="InvalidDataException"/> at the first wrong one.</summary>
    public static async Task<Received> ReceiveAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        long offset = 0;
        long last = Stopwatch.GetTimestamp();
        long longest = 0, endedAt = last;
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            long now = Stopwatch.GetTimestamp();
            if (n == 0)
            {
                return new Received(offset, longest * 1000.0 / Stopwatch.Frequency, endedAt);
            }
            if (now - last > longest)
            {
                longest = now - last;
                endedAt = now;
            }
            last = now;
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != ByteAt(offset + i))
                {
                    throw new InvalidDataException($"Byte {offset + i} is {buffer[i]}, expected {ByteAt(offset + i)}: the stream lost, repeated or reordered data.");
                }
            }
            offset += n;
        }
    }

    /// <summary>Reads the 8-byte counter word at the start of <paramref name="span"/>.</summary>
    public static ulong Word(ReadOnlySpan<byte> span) => BinaryPrimitives.ReadUInt64BigEndian(span);
}
