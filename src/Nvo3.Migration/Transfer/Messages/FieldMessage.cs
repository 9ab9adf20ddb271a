namespace Nvo3.Migration.Transfer;

/// <summary>Payloads of one field: an abort reason, a migration id, a sequence number, a status.</summary>
internal static class FieldMessage
{
    public static int WriteString(Span<byte> buffer, string value)
    {
        var w = new PayloadWriter(buffer);
        w.WriteString(value);
        return w.Written;
    }

    public static string ReadString(ReadOnlySpan<byte> payload, FrameType type)
    {
        var r = new PayloadReader(payload, type);
        string value = r.ReadString();
        r.End();
        return value;
    }

    public static int WriteGuid(Span<byte> buffer, Guid value)
    {
        var w = new PayloadWriter(buffer);
        w.WriteGuid(value);
        return w.Written;
    }

    public static Guid ReadGuid(ReadOnlySpan<byte> payload, FrameType type)
    {
        var r = new PayloadReader(payload, type);
        var value = r.ReadGuid();
        r.End();
        return value;
    }

    public static int WriteUInt64(Span<byte> buffer, ulong value)
    {
        var w = new PayloadWriter(buffer);
        w.WriteUInt64(value);
        return w.Written;
    }

    public static ulong ReadUInt64(ReadOnlySpan<byte> payload, FrameType type)
    {
        var r = new PayloadReader(payload, type);
        ulong value = r.ReadUInt64();
        r.End();
        return value;
    }

    public static void ReadEmpty(ReadOnlySpan<byte> payload, FrameType type) => new PayloadReader(payload, type).End();
}
