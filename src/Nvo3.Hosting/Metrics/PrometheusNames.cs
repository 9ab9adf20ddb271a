using System.Diagnostics.Metrics;
using System.Text;

namespace Nvo3.Hosting.Metrics;

/// <summary>
/// How an instrument is named in Prometheus (OpenTelemetry's rules, simplified): dots and other
/// characters Prometheus does not allow become underscores, the unit is appended (<c>s</c> →
/// <c>_seconds</c>, <c>By</c> → <c>_bytes</c>) unless the name already ends with it, and a counter
/// ends in <c>_total</c>. So <c>nvo3.nve.packets</c> (a counter) is <c>nvo3_nve_packets_total</c>
/// and <c>nvo3.nve.lookup.duration</c> in seconds is <c>nvo3_nve_lookup_duration_seconds</c>.
/// </summary>
public static class PrometheusNames
{
    /// <summary>The exposition name of <paramref name="instrument"/>.</summary>
    public static string For(Instrument instrument) => For(instrument.Name, instrument.Unit, TypeOf(instrument) == "counter");

    /// <summary>The exposition name of an instrument called <paramref name="name"/> in <paramref name="unit"/>.</summary>
    public static string For(string name, string? unit, bool counter)
    {
        var text = new StringBuilder(name.Length + 16);
        foreach (char ch in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(ch) || ch == '_' || ch == ':' ? ch : '_');
        }
        if (text.Length == 0 || char.IsAsciiDigit(text[0]))
        {
            text.Insert(0, '_');
        }
        string? suffix = unit switch
        {
            "s" => "_seconds",
            "By" => "_bytes",
            _ => null,
        };
        string result = text.ToString();
        if (suffix is not null && !result.EndsWith(suffix, StringComparison.Ordinal))
        {
            result += suffix;
        }
        return counter && !result.EndsWith("_total", StringComparison.Ordinal) ? result + "_total" : result;
    }

    /// <summary>counter (monotonic), histogram, or gauge (everything that goes up and down).</summary>
    public static string TypeOf(Instrument instrument)
    {
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>))
        {
            return "counter";
        }
        return definition == typeof(Histogram<>) ? "histogram" : "gauge";
    }
}
