namespace Nvo3.Packets;

/// <summary>Why a reader refused its input. <see cref="None"/> means it parsed.</summary>
public enum PacketError
{
    /// <summary>The input parsed.</summary>
    None = 0,
    /// <summary>Shorter than the header or than the length its header declares.</summary>
    Truncated,
    /// <summary>A version field holds a value this reader does not speak.</summary>
    BadVersion,
    /// <summary>A length field is inconsistent (too small for the header, or larger than the data).</summary>
    BadLength,
    /// <summary>A checksum does not verify.</summary>
    BadChecksum,
    /// <summary>Required flags are missing, or reserved bits are set.</summary>
    BadFlags,
    /// <summary>A hardware or protocol type this reader does not handle.</summary>
    Unsupported,
    /// <summary>A field holds a value its specification forbids.</summary>
    BadField,
    /// <summary>An option is malformed (zero length, or longer than what remains).</summary>
    BadOption,
}
