using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;

namespace Nvo3.Nve.Linux;

/// <summary>
/// Several UDP GSO sends in one <c>sendmmsg(2)</c>: each message its own run of datagrams, segment
/// size (a <c>UDP_SEGMENT</c> control message of its own) and destination, such as the segments of
/// several super-frames to several peers. The runs are not copied: the batch pins them until
/// <see cref="Flush"/>. One owner thread; the native vectors and control buffers are allocated once
/// and freed on dispose.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class UdpGsoBatch : IDisposable
{
    private static readonly int ControlLength = LibC.CMsgSpace(sizeof(ushort));

    private readonly MessageVectors _vectors;
    private readonly MemoryHandle[] _pins;
    private readonly int[] _segments;
    private byte* _control;
    private int _count;

    /// <summary>Room for <paramref name="capacity"/> messages (each up to 64 datagrams).</summary>
    public UdpGsoBatch(int capacity)
    {
        _vectors = new MessageVectors(capacity);
        _pins = new MemoryHandle[capacity];
        _segments = new int[capacity];
        _control = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)(capacity * ControlLength));
    }

    /// <summary>Messages waiting.</summary>
    public int Count => _count;

    /// <summary>
    /// Adds the run <paramref name="datagrams"/> (segments of <paramref name="segmentSize"/> bytes, the
    /// last maybe shorter) for <paramref name="to"/>, as as many messages as the kernel's per-send
    /// limits need. False, adding nothing, when they do not all fit: flush first.
    /// </summary>
    public bool TryAdd(ReadOnlyMemory<byte> datagrams, int segmentSize, SocketAddress to)
    {
        bool v6 = to.Family == AddressFamily.InterNetworkV6;
        if (segmentSize < 1 || segmentSize > UdpGso.MaxPayload(v6) || to.Size > MessageVectors.NameSize)
        {
            throw new ArgumentOutOfRangeException(nameof(segmentSize), "A UDP GSO run needs a segment size the kernel takes and an IPv4 or IPv6 address.");
        }
        if (datagrams.IsEmpty)
        {
            return true;
        }
        int perMessage = UdpGso.ChunkLength(int.MaxValue, segmentSize, v6);
        int needed = (datagrams.Length + perMessage - 1) / perMessage;
        if (_count + needed > _vectors.Capacity)
        {
            return false;
        }
        var pin = datagrams.Pin();
        byte* data = (byte*)pin.Pointer;
        for (int at = 0; at < datagrams.Length;)
        {
            int i = _count++;
            int chunk = Math.Min(perMessage, datagrams.Length - at);
            // The first message of the run holds the pin; the others point into the same memory.
            _pins[i] = at == 0 ? pin : default;
            _segments[i] = (chunk + segmentSize - 1) / segmentSize;
            to.Buffer.Span[..to.Size].CopyTo(new Span<byte>(_vectors.Name(i), MessageVectors.NameSize));
            byte* control = _control + (i * ControlLength);
            UdpGso.WriteSegmentControl(control, ControlLength, (ushort)segmentSize);
            _vectors.Iov[i] = new LibC.IoVec { Base = data + at, Length = (nuint)chunk };
            _vectors.Messages[i] = new LibC.MMsgHdr
            {
                Header = new LibC.MsgHdr
                {
                    Name = _vectors.Name(i),
                    NameLength = (uint)to.Size,
                    Iov = &_vectors.Iov[i],
                    IovLength = 1,
                    Control = control,
                    ControlLength = (nuint)ControlLength,
                },
            };
            at += chunk;
        }
        return true;
    }

    /// <summary>
    /// Sends every waiting message with sendmmsg and empties the batch. Returns how many messages
    /// the kernel refused (each refusal skips that message and goes on); <paramref name="datagrams"/>
    /// counts the datagrams of the messages it took.
    /// </summary>
    public int Flush(Socket socket, out long datagrams)
    {
        datagrams = 0;
        int failed = 0;
        int done = 0;
        try
        {
            while (done < _count)
            {
                int sent;
                try
                {
                    sent = LibC.SendMmsg(socket.SafeHandle, _vectors.Messages + done, (uint)(_count - done), 0);
                }
                catch (ObjectDisposedException)
                {
                    failed += _count - done;
                    break;
                }
                if (sent <= 0)
                {
                    failed++;
                    done++;
                    continue;
                }
                for (int k = done; k < done + sent; k++)
                {
                    datagrams += _segments[k];
                }
                done += sent;
            }
        }
        finally
        {
            for (int i = 0; i < _count; i++)
            {
                _pins[i].Dispose();
                _pins[i] = default;
            }
            _count = 0;
        }
        return failed;
    }

    public void Dispose()
    {
        for (int i = 0; i < _count; i++)
        {
            _pins[i].Dispose();
        }
        _count = 0;
        _vectors.Dispose();
        System.Runtime.InteropServices.NativeMemory.Free(_control);
        _control = null;
    }
}
