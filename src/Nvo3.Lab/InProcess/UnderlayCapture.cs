using Nvo3.Nve;
using Nvo3.Packets;

namespace Nvo3.Lab;

/// <summary>
/// Writes every packet the lab's NVEs send on the underlay to a pcap file, as the frames a
/// capture on the wire would show (Ethernet, IP, UDP with its checksum, VXLAN), so tshark decodes
/// it as VXLAN without hints. For demos and debugging: it takes a lock per packet.
/// </summary>
public sealed class UnderlayCapture : IDisposable
{
    private readonly PcapWriter _writer;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly byte[] _frame = new byte[UnderlayBatch.MaxDatagram + 128];

    /// <summary>Creates (or overwrites) <paramref name="path"/>.</summary>
    public UnderlayCapture(string path, TimeProvider? timeProvider = null)
    {
        Path = path;
        _writer = new PcapWriter(File.Create(path));
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Packets written.</summary>
    public long Count => _writer.Count;

    /// <summary>Starts capturing what <paramref name="edge"/> sends.</summary>
    public void Attach(Edge edge) => edge.Underlay.Tap = Write;

    private void Write(IpAddr source, ushort sourcePort, IpAddr destination, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        lock (_lock)
        {
            int n = UnderlayFrame.Write(_frame, MacFor(destination), MacFor(source), source, destination, sourcePort, destinationPort, payload);
            _writer.Write(_time.GetUtcNow(), _frame.AsSpan(0, n));
        }
    }

    // A stable, locally administered MAC per underlay address, so a capture tells the NVEs apart.
    private static MacAddress MacFor(IpAddr ip) => new(0x0200_0000_0000UL | (uint)(ip.IsV6 ? (ulong)ip.V6Value : ip.V4Value));

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Dispose();
        }
    }
}
