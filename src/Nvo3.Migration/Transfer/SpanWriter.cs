namespace Nvo3.Migration.Transfer;

/// <summary>Writes a message into a payload buffer and returns its length.</summary>
internal delegate int SpanWriter<in TState>(Span<byte> buffer, TState state);
