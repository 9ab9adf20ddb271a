namespace Nvo3.Migration.Transfer;

/// <summary>Why a frame or a message was refused.</summary>
public enum ProtocolError
{
    /// <summary>Nothing wrong.</summary>
    None = 0,
    /// <summary>The first four bytes are not the frame magic: not this protocol, or a stream out of step.</summary>
    BadMagic,
    /// <summary>The frame's version is one this agent does not speak.</summary>
    UnknownVersion,
    /// <summary>The header's own checksum does not verify: the header is corrupt.</summary>
    BadHeaderChecksum,
    /// <summary>The payload checksum does not verify.</summary>
    BadChecksum,
    /// <summary>The stream ended inside a frame.</summary>
    Truncated,
    /// <summary>The payload is longer than the receiver accepts.</summary>
    TooLarge,
    /// <summary>A frame type this version does not define.</summary>
    UnknownType,
    /// <summary>Reserved header bits are set.</summary>
    BadFlags,
    /// <summary>The payload does not decode as its type's message.</summary>
    Malformed,
    /// <summary>A well-formed message that is not allowed at this point of the exchange.</summary>
    UnexpectedMessage,
}
