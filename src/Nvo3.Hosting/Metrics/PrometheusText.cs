using System.Globalization;
using System.Text;

namespace Nvo3.Hosting.Metrics;

/// <summary>
/// The Prometheus text exposition format, version 0.0.4: per metric a <c># HELP</c> and a
/// <c># TYPE</c> line, then one line per tag set (<c>name{label="value"} number</c>); a histogram
/// as cumulative <c>_bucket{le="…"}</c> lines ending at <c>+Inf</c>, then <c>_sum</c> and
/// <c>_count</c>. Label values escape backslash, double quote and newline; help text backslash and newline.
/// </summary>
public static class PrometheusText
{
    /// <summary>The Content-Type of a scrape.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Writes one metric (its HELP, TYPE and every point) to <paramref name="text"/>.</summary>
    internal static void Write(StringBuilder text, string name, string type, string? help, IReadOnlyList<double> buckets,
        IEnumerable<(string Labels, MetricSeries.Point Point)> points)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help ?? "")).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        foreach (var (labels, point) in points)
        {
            if (point.BucketCounts is not { } counts)
            {
                Line(text, name, labels, null, point.Value);
                continue;
            }
            long cumulative = 0;
            for (int i = 0; i < counts.Length; i++)
            {
                cumulative += counts[i];
                string le = i < buckets.Count ? Number(buckets[i]) : "+Inf";
                Line(text, name + "_bucket", labels, le, cumulative);
            }
            Line(text, name + "_sum", labels, null, point.Sum);
            Line(text, name + "_count", labels, null, point.Count);
        }
    }

    /// <summary>
    /// The label part of a line for <paramref name="tags"/>, sorted by key, without braces:
    /// <c>nve="a",reason="not_here"</c> (empty for no tags). Keys are made valid label names.
    /// </summary>
    public static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }
        var sorted = tags.ToArray();
        Array.Sort(sorted, (x, y) => string.CompareOrdinal(x.Key, y.Key));
        var text = new StringBuilder();
        foreach (var (key, value) in sorted)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }
            text.Append(LabelName(key)).Append("=\"").Append(EscapeLabel(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")).Append('"');
        }
        return text.ToString();
    }

    /// <summary>A label value as the format wants it: <c>\</c> → <c>\\</c>, <c>"</c> → <c>\"</c>, newline → <c>\n</c>.</summary>
    public static string EscapeLabel(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Help text as the format wants it: <c>\</c> → <c>\\</c>, newline → <c>\n</c>.</summary>
    public static string EscapeHelp(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>A sample value: shortest round-trip form, <c>+Inf</c>, <c>-Inf</c> or <c>NaN</c>.</summary>
    public static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static void Line(StringBuilder text, string name, string labels, string? le, double value)
    {
        text.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            text.Append('{').Append(labels);
            if (le is not null)
            {
                text.Append(labels.Length > 0 ? "," : "").Append("le=\"").Append(le).Append('"');
            }
            text.Append('}');
        }
        text.Append(' ').Append(Number(value)).Append('\n');
    }

    private static string LabelName(string key)
    {
        var name = new StringBuilder(key.Length);
        foreach (char ch in key)
        {
            name.Append(char.IsAsciiLetterOrDigit(ch) || ch == '_' ? ch : '_');
        }
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            name.Insert(0, '_');
        }
        return name.ToString();
    }
}
