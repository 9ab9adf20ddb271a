namespace Nvo3.Nva;

/// <summary>The answer to a look-up: the binding, the NVE where it is Activated, and how long to cache it.</summary>
/// <param name="Binding">The binding, or null when there is none.</param>
/// <param name="Host">The NVE where it is Activated, or null while none is.</param>
/// <param name="Lifetime">How long the answer may be cached (zero: do not cache).</param>
public sealed record LookupResult(Binding? Binding, NveRecord? Host, TimeSpan Lifetime)
{
    /// <summary>True when a binding was found.</summary>
    public bool Found => Binding is not null;
}
