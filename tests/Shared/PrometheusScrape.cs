using System.Globalization;
using System.Text;

namespace Nvo3.Tests;

/// <summary>
/// A scrape parsed by the rules of the Prometheus text exposition format 0.0.4, strictly: every
/// line is a comment, a HELP or TYPE line, or a sample (<c>name{label="value",…} number</c>);
/// every sample belongs to a family whose TYPE came before it; counters end in <c>_total</c>;
/// a histogram's buckets are cumulative and end at <c>+Inf</c> equal to its <c>_count</c>; no
/// series appears twice. Anything else throws <see cref="FormatException"/> naming the line.
/// </summary>
internal sealed class PrometheusScrape
{
    private static readonly HashSet<string> s_types = ["counter", "gauge", "histogram", "summary", "untyped"];

    private PrometheusScrape(List<Sample> samples, Dictionary<string, string> types)
    {
        Samples = samples;
        Types = types;
    }

    /// <summary>Every sample, in order.</summary>
    public IReadOnlyList<Sample> Samples { get; }

    /// <summary>Each family's TYPE.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    /// <summary>Every sample name and family name.</summary>
    public IReadOnlySet<string> Names => Samples.Select(s => s.Name).Concat(Types.Keys).ToHashSet();

    /// <summary>The samples of <paramref name="name"/> whose labels include every one of <paramref name="labels"/>.</summary>
    public IEnumerable<Sample> Where(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value));

    /// <summary>The sum of <see cref="Where"/>'s values (0 when there are none).</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) => Where(name, labels).Sum(s => s.Value);

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> at the first line that breaks a rule.</summary>
    public static PrometheusScrape Parse(string text)
    {
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n];
            if (line.Length == 0)
            {
                continue;
            }
            try
            {
                if (line.StartsWith("# TYPE ", StringComparison.Ordinal) || line.StartsWith("# HELP ", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ', 4);
                    string name = parts.Length >= 3 ? parts[2] : throw new FormatException("no metric name");
                    RequireName(name);
                    if (parts[1] == "TYPE")
                    {
                        string type = parts.Length == 4 && s_types.Contains(parts[3]) ? parts[3] : throw new FormatException("an unknown type");
                        if (!types.TryAdd(name, type))
                        {
                            throw new FormatException($"a second TYPE for {name}");
                        }
                        if (type == "counter" && !name.EndsWith("_total", StringComparison.Ordinal))
                        {
                            throw new FormatException($"counter {name} does not end in _total");
                        }
                    }
                    continue;
                }
                if (line.StartsWith('#'))
                {
                    continue;
                }
                var sample = ParseSample(line);
                string family = FamilyOf(sample.Name, types);
                if (!types.ContainsKey(family))
                {
                    throw new FormatException($"{sample.Name} has no TYPE before it");
                }
                if (!seen.Add(sample.Key))
                {
                    throw new FormatException($"{sample.Key} appears twice");
                }
                samples.Add(sample);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"line {n + 1} '{line}': {ex.Message}", ex);
            }
        }
        CheckHistograms(samples, types);
        return new PrometheusScrape(samples, types);
    }

    private static Sample ParseSample(string line)
    {
        int i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }
        string name = line[..i];
        RequireName(name);
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                int eq = line.IndexOf('=', i);
                string key = eq > i ? line[i..eq] : throw new FormatException("a label without a name");
                RequireName(key);
                if (eq + 1 >= line.Length || line[eq + 1] != '"')
                {
                    throw new FormatException($"label {key} is not quoted");
                }
                var value = new StringBuilder();
                int j = eq + 2;
                for (; j < line.Length && line[j] != '"'; j++)
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        value.Append(j < line.Length ? line[j] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"an unknown escape \\{line[j]}"),
                        } : throw new FormatException("a line that ends in an escape"));
                    }
                    else
                    {
                        value.Append(line[j]);
                    }
                }
                if (j >= line.Length)
                {
                    throw new FormatException($"label {key}'s value never ends");
                }
                if (!labels.TryAdd(key, value.ToString()))
                {
                    throw new FormatException($"label {key} twice");
                }
                i = j + 1;
                if (i < line.Length && line[i] == ',')
                {
                    i++;
                }
                else if (i >= line.Length || line[i] != '}')
                {
                    throw new FormatException("labels not separated by commas");
                }
            }
            i++;
        }
        var rest = i < line.Length && line[i] == ' ' ? line[(i + 1)..].Split(' ') : throw new FormatException("no value");
        if (rest.Length > 2 || (rest.Length == 2 && !long.TryParse(rest[1], CultureInfo.InvariantCulture, out _)))
        {
            throw new FormatException("more than a value and a timestamp");
        }
        return new Sample(name, labels, ParseValue(rest[0]));
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : throw new FormatException($"'{text}' is not a number"),
    };

    private static void RequireName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':'))
        {
            throw new FormatException($"'{name}' is not a valid name");
        }
    }

    private static string FamilyOf(string name, Dictionary<string, string> types)
    {
        foreach (string suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.GetValueOrDefault(name[..^suffix.Length]) is "histogram" or "summary")
            {
                return name[..^suffix.Length];
            }
        }
        return name;
    }

    private static void CheckHistograms(List<Sample> samples, Dictionary<string, string> types)
    {
        foreach (var family in types.Where(t => t.Value == "histogram").Select(t => t.Key))
        {
            var buckets = samples.Where(s => s.Name == family + "_bucket")
                .GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").Select(l => $"{l.Key}={l.Value}")));
            foreach (var series in buckets)
            {
                double last = 0;
                double bound = double.NegativeInfinity;
                foreach (var bucket in series)
                {
                    double le = bucket.Labels.TryGetValue("le", out var text) ? ParseValue(text) : throw new FormatException($"{family}_bucket without le");
                    if (le <= bound || bucket.Value < last)
                    {
                        throw new FormatException($"{family}{{{series.Key}}}: buckets out of order or not cumulative");
                    }
                    (bound, last) = (le, bucket.Value);
                }
                var count = samples.SingleOrDefault(s => s.Name == family + "_count"
                    && string.Join(",", s.Labels.Select(l => $"{l.Key}={l.Value}")) == series.Key);
                if (!double.IsPositiveInfinity(bound) || count is null || count.Value != last)
                {
                    throw new FormatException($"{family}{{{series.Key}}}: no +Inf bucket equal to its _count");
                }
            }
        }
    }

    /// <summary>One sample.</summary>
    internal sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
    {
        /// <summary>Name and labels: the series.</summary>
        public string Key => Name + "{" + string.Join(",", Labels.Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";
    }
}
