using System.Diagnostics.CodeAnalysis;

namespace Nvo3.Packets;

/// <summary>Throw helpers kept out of line so that the callers stay small enough to inline.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgumentTooShort(string paramName, int needed) =>
        throw new ArgumentException($"The span must hold at least {needed} bytes.", paramName);

    [DoesNotReturn]
    public static void ThrowDestinationTooShort(int needed, int available) =>
        throw new ArgumentException($"The destination holds {available} bytes; this write needs {needed}.", "destination");

    [DoesNotReturn]
    public static void ThrowArgument(string paramName, string message) =>
        throw new ArgumentException(message, paramName);
}
