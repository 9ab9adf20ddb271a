using System.CommandLine;

namespace Nvo3.Cli;

/// <summary>
/// An option renamed so that one idea has one spelling across commands (<c>--update pull|push</c>,
/// <c>--layer l2|l3</c>): the old spelling still works, hidden from help, and prints a one-line
/// warning on stderr each time it is used.
/// </summary>
internal static class RenamedOption
{
    /// <summary>The old spelling <paramref name="oldName"/> of <paramref name="current"/>, taking the same values.</summary>
    public static Option<string?> Old(string oldName, Option<string> current, params string[] values)
    {
        var old = new Option<string?>(oldName) { Description = $"Deprecated: write {current.Name}.", Hidden = true };
        old.AcceptOnlyFromAmong(values);
        return old;
    }

    /// <summary>
    /// The value given with <paramref name="current"/> or, warning once, with <paramref name="old"/>;
    /// both with different values is bad input.
    /// </summary>
    public static string Resolve(ParseResult parseResult, Option<string> current, Option<string?> old)
    {
        string value = parseResult.GetValue(current)!;
        if (parseResult.GetValue(old) is not { } oldValue)
        {
            return value;
        }
        if (parseResult.GetResult(current) is { Implicit: false } && value != oldValue)
        {
            throw new ArgumentException($"{old.Name} {oldValue} contradicts {current.Name} {value}; write {current.Name} only.");
        }
        Console.Error.WriteLine($"{Cli.CommandPath(parseResult)}: warning: {old.Name} is deprecated here; write {current.Name} {oldValue}.");
        return oldValue;
    }
}
