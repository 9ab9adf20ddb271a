using System.Globalization;
using System.Text.Json;

namespace Nvo3.Testing;

/// <summary>
/// One frame of tshark's JSON output. tshark repeats keys when a protocol appears twice (the
/// outer and inner IP of a tunnel), so fields are looked up by walking every key in document
/// order: <see cref="Values"/> lists the outer layer's value first.
/// </summary>
internal sealed class DissectedFrame(JsonElement layers)
{
    /// <summary>Every value of <paramref name="field"/> anywhere in the frame, outermost first.</summary>
    public IReadOnlyList<string> Values(string field)
    {
        var values = new List<string>();
        Collect(layers, field, values);
        return values;
    }

    /// <summary>The one value of <paramref name="field"/>; fails when it is absent or repeated.</summary>
    public string Single(string field) => Assert.Single(Values(field));

    /// <summary>The innermost value of <paramref name="field"/> (the tenant's, in a tunnel).</summary>
    public string Inner(string field)
    {
        var values = Values(field);
        Assert.NotEmpty(values);
        return values[^1];
    }

    /// <summary>The protocol stack tshark saw, such as "eth:ethertype:ip:udp:vxlan:eth:ethertype:arp".</summary>
    public string Protocols => Single("frame.protocols");

    /// <summary>True when tshark found the frame malformed anywhere.</summary>
    public bool IsMalformed => Keys(layers).Any(key => key.StartsWith("_ws.malformed", StringComparison.Ordinal));

    /// <summary>The expert-info messages tshark attached, with their severities.</summary>
    public IReadOnlyList<(string Message, int Severity)> ExpertInfo()
    {
        var messages = Values("_ws.expert.message");
        var severities = Values("_ws.expert.severity");
        Assert.Equal(messages.Count, severities.Count);
        return [.. messages.Zip(severities, (m, s) => (m, int.Parse(s, CultureInfo.InvariantCulture)))];
    }

    private static void Collect(JsonElement element, string field, List<string> values)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.NameEquals(field))
                    {
                        AddValue(property.Value, values);
                    }
                    else
                    {
                        Collect(property.Value, field, values);
                    }
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, field, values);
                }
                break;
        }
    }

    private static void AddValue(JsonElement value, List<string> values)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                AddValue(item, values);
            }
        }
        else
        {
            values.Add(value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText());
        }
    }

    private static IEnumerable<string> Keys(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                yield return property.Name;
                foreach (string key in Keys(property.Value))
                {
                    yield return key;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                foreach (string key in Keys(item))
                {
                    yield return key;
                }
            }
        }
    }
}
