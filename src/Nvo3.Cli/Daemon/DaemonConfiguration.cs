using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Text.Json;

namespace Nvo3.Cli;

/// <summary>
/// Settings of a daemon command (<c>nva serve</c>, <c>nve run</c>: the commands with
/// <c>--config</c>) from three places, flags winning over the environment, the environment over
/// the file: a JSON file (<c>--config FILE</c> or <c>$NVO3_CONFIG</c>) whose keys are the long
/// options (<c>{"listen": "0.0.0.0:7470", "tap": ["t1=100/02:00:00:00:00:01"]}</c>) and variables
/// named <c>NVO3_</c> + the option in capitals with underscores (<c>NVO3_CACHE_LIFETIME_MS</c>).
/// An option the command line leaves out is added as a token from the environment or the file and
/// the command line is parsed again, so every value, wherever it came from, goes through the same
/// parser and validators; an error about such a value names the file and key, or the variable.
/// </summary>
internal static class DaemonConfiguration
{
    /// <summary>The option that names the file.</summary>
    public const string OptionName = "--config";

    /// <summary>What every variable's name starts with.</summary>
    public const string EnvironmentPrefix = "NVO3_";

    // Variables an option already reads itself, by its own rule: $NVO3_TLS_DIR is the certificate
    // folder unless --tls-dir or --insecure says otherwise, so it must not turn into a --tls-dir flag.
    private static readonly HashSet<string> OwnVariables = [Nvo3.Security.TlsMaterial.DirectoryVariable];

    private static readonly JsonDocumentOptions JsonOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The <c>--config FILE</c> option that makes a command a daemon command.</summary>
    public static Option<string?> Option() => new(OptionName)
    {
        Description = "Read settings from this JSON file, keys named after the long options ({\"listen\": \"0.0.0.0:7470\"}); "
            + "NVO3_<OPTION> variables (NVO3_LISTEN) override it and flags override both. Default: $NVO3_CONFIG.",
        HelpName = "FILE",
    };

    /// <summary>The variable that sets <paramref name="option"/>: NVO3_CACHE_LIFETIME_MS for --cache-lifetime-ms.</summary>
    public static string VariableFor(Option option) => EnvironmentPrefix + Key(option).ToUpperInvariant().Replace('-', '_');

    /// <summary>
    /// <paramref name="parsed"/> again with what the file and the environment add, when its command
    /// is a daemon command; otherwise <paramref name="parsed"/> itself. <paramref name="error"/> is
    /// the one line to print (exit 2) when the file or a value from it or the environment is bad.
    /// </summary>
    public static ParseResult Apply(ParseResult parsed, IReadOnlyList<string> args, Func<string, string?> environment, out string? error)
    {
        error = null;
        var command = parsed.CommandResult.Command;
        // A directive ([suggest:N] for completion) works on the command line as typed.
        if (command.Options.FirstOrDefault(o => o.Name == OptionName) is not Option<string?> config
            || (args.Count > 0 && args[0].StartsWith('[')))
        {
            return parsed;
        }
        string path = Cli.CommandPath(parsed);
        var options = command.Options
            .Where(o => !o.Hidden && o != config && o is not (HelpOption or VersionOption) && o.Name.StartsWith("--", StringComparison.Ordinal))
            .ToDictionary(Key, StringComparer.Ordinal);
        var added = new Dictionary<Option, (string Source, string[] Values)>();
        string? file = parsed.GetValue(config) ?? NotEmpty(environment(EnvironmentPrefix + "CONFIG"));
        if (file is not null && !FromFile(file, options, added, out error))
        {
            error = $"{path}: {error}";
            return parsed;
        }
        foreach (var option in options.Values)
        {
            if (!OwnVariables.Contains(VariableFor(option)) && NotEmpty(environment(VariableFor(option))) is { } value)
            {
                added[option] = ($"${VariableFor(option)}", Many(option) ? value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) : [value]);
            }
        }
        var tokens = added.Where(a => parsed.GetResult(a.Key) is not { Implicit: false }) // a flag wins
            .SelectMany(a => a.Value.Values.Select(v => $"{a.Key.Name}={v}")).ToList();
        if (tokens.Count == 0)
        {
            return parsed;
        }
        int end = args.ToList().IndexOf("--");
        var again = parsed.RootCommandResult.Command.Parse(end < 0 ? [.. args, .. tokens] : [.. args.Take(end), .. tokens, .. args.Skip(end)]);
        foreach (var e in again.Errors)
        {
            var option = (e.SymbolResult as OptionResult)?.Option ?? (e.SymbolResult?.Parent as OptionResult)?.Option;
            if (option is not null && added.TryGetValue(option, out var from) && parsed.GetResult(option) is not { Implicit: false })
            {
                error = Cli.OneLine($"{path}: {from.Source}: {e.Message}");
                break;
            }
        }
        return again;
    }

    // Reads the file's keys into added; false with error (without the command) when it cannot.
    private static bool FromFile(string file, Dictionary<string, Option> options, Dictionary<Option, (string Source, string[] Values)> added, out string? error)
    {
        error = null;
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            error = $"--config {file}: no such file.";
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"--config {file}: cannot read it: {ex.Message}";
            return false;
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, JsonOptions);
        }
        catch (JsonException ex)
        {
            error = Cli.OneLine($"{file}: not valid JSON: {ex.Message}");
            return false;
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = $"{file}: write a JSON object whose keys are the long options, like {{\"listen\": \"127.0.0.1:7470\"}}.";
                return false;
            }
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!options.TryGetValue(property.Name, out var option))
                {
                    error = $"{file}: unknown key '{property.Name}'; the keys are the long options: {string.Join(", ", options.Keys)}.";
                    return false;
                }
                if (Values(option, property.Value) is not { } values)
                {
                    error = $"{file}: key '{property.Name}' must be {Expected(option)}, not {Describe(property.Value)}.";
                    return false;
                }
                added[option] = ($"{file}: key '{property.Name}'", values);
            }
        }
        return true;
    }

    // The tokens a JSON value stands for, or null when its type does not fit the option.
    private static string[]? Values(Option option, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array && Many(option))
        {
            var items = value.EnumerateArray().Select(item => Scalar(option, item)).ToList();
            return items.Any(i => i is null) ? null : [.. items!];
        }
        return Scalar(option, value) is { } one ? [one] : null;
    }

    private static string? Scalar(Option option, JsonElement value)
    {
        var type = Nullable.GetUnderlyingType(ElementType(option)) ?? ElementType(option);
        return value.ValueKind switch
        {
            JsonValueKind.True or JsonValueKind.False when type == typeof(bool) => value.ValueKind == JsonValueKind.True ? "true" : "false",
            JsonValueKind.Number when Numeric(type) => value.GetRawText(),
            JsonValueKind.String when type == typeof(string) || type.IsEnum => value.GetString(),
            _ => null,
        };
    }

    private static string Expected(Option option)
    {
        var type = Nullable.GetUnderlyingType(ElementType(option)) ?? ElementType(option);
        string one = type == typeof(bool) ? "true or false" : Numeric(type) ? "a number" : type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(type))} (a string)" : "a string";
        return Many(option) ? $"{one}, or a list of them" : one;
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"the string {value.GetRawText()}",
        JsonValueKind.Null => "null",
        _ => value.GetRawText(),
    };

    private static Type ElementType(Option option) =>
        option.ValueType.IsArray ? option.ValueType.GetElementType()! : option.ValueType;

    private static bool Numeric(Type type) =>
        type == typeof(int) || type == typeof(uint) || type == typeof(long) || type == typeof(double) || type == typeof(ushort);

    private static bool Many(Option option) => option.Arity.MaximumNumberOfValues > 1;

    private static string Key(Option option) => option.Name.TrimStart('-');

    private static string? NotEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
