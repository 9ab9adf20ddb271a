namespace Nvo3.Security;

/// <summary>
/// The one rule for names in Nvo3 (NVEs, networks, workloads, and the names in identities): 1 to
/// 64 ASCII letters, digits, '-', '_' or '.'. The NVA checks every name it stores with it, so a
/// certificate can name exactly the NVEs the directory can hold.
/// </summary>
public static class NameRule
{
    /// <summary>The longest name.</summary>
    public const int MaxLength = 64;

    /// <summary>What a valid name looks like, for error messages.</summary>
    public const string Description = "1 to 64 letters, digits, '-', '_' or '.'";

    /// <summary>True when <paramref name="name"/> follows the rule.</summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength)
        {
            return false;
        }
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }
        return true;
    }
}
