namespace Nvo3.Migration.Transfer;

/// <summary>The destination accepts a migration.</summary>
/// <param name="Agent">The destination agent's name.</param>
public sealed record WelcomeMessage(string Agent)
{
    /// <summary>Encodes into <paramref name="buffer"/>; returns the bytes written.</summary>
    public int Write(Span<byte> buffer)
    {
        var w = new PayloadWriter(buffer);
        w.WriteString(Agent);
        return w.Written;
    }

    /// <summary>Decodes; throws <see cref="MigrationProtocolException"/>.</summary>
    public static WelcomeMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, FrameType.Welcome);
        string agent = r.ReadString();
        r.End();
        return new WelcomeMessage(agent);
    }
}
