namespace Nvo3.Migration.Transfer;

/// <summary>One frame read from a stream. Its payload belongs to the reader and is valid until the next read.</summary>
/// <param name="Type">The message type.</param>
/// <param name="Payload">The verified payload.</param>
public readonly record struct Frame(FrameType Type, ReadOnlyMemory<byte> Payload);
