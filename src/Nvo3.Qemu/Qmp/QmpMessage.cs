using System.Text.Json;

namespace Nvo3.Qemu.Qmp;

/// <summary>
/// One parsed line from QEMU. <see cref="TryParse"/> takes untrusted bytes: whatever they are, it
/// returns a message or false with the reason, and never throws. Every JSON value it keeps is
/// cloned, so a message outlives the reader's buffer.
/// </summary>
public sealed record QmpMessage
{
    private static readonly JsonDocumentOptions s_options = new() { MaxDepth = 64, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>What it is.</summary>
    public required QmpMessageKind Kind { get; init; }

    /// <summary>The id of the command a reply answers, as QEMU echoed it (a string's value, else the raw JSON); null on events and the greeting.</summary>
    public string? Id { get; init; }

    /// <summary>The greeting's "QMP" object, a reply's "return" value, or an event's data.</summary>
    public JsonElement Value { get; init; }

    /// <summary>An error reply's class.</summary>
    public string? ErrorClass { get; init; }

    /// <summary>An error reply's description.</summary>
    public string? ErrorDescription { get; init; }

    /// <summary>An event's name.</summary>
    public string? EventName { get; init; }

    /// <summary>An event's timestamp, when it had a valid one.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>Parses one line; false with <paramref name="error"/> when it is not a QMP message.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> line, out QmpMessage? message, out string? error)
    {
        message = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, s_options);
        }
        catch (JsonException ex)
        {
            error = $"not JSON: {ex.Message}";
            return false;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = $"a JSON {root.ValueKind.ToString().ToLowerInvariant()} where QMP sends objects";
                return false;
            }
            string? id = root.TryGetProperty("id", out var idElement)
                ? idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : idElement.GetRawText()
                : null;
            if (root.TryGetProperty("return", out var value))
            {
                message = new QmpMessage { Kind = QmpMessageKind.Return, Id = id, Value = value.Clone() };
            }
            else if (root.TryGetProperty("error", out var failure))
            {
                if (failure.ValueKind != JsonValueKind.Object
                    || !failure.TryGetProperty("class", out var errorClass) || errorClass.ValueKind != JsonValueKind.String
                    || !failure.TryGetProperty("desc", out var description) || description.ValueKind != JsonValueKind.String)
                {
                    error = "an error reply without a class and a description";
                    return false;
                }
                message = new QmpMessage { Kind = QmpMessageKind.Error, Id = id, ErrorClass = errorClass.GetString(), ErrorDescription = description.GetString() };
            }
            else if (root.TryGetProperty("event", out var name))
            {
                if (name.ValueKind != JsonValueKind.String)
                {
                    error = "an event whose name is not a string";
                    return false;
                }
                var data = root.TryGetProperty("data", out var d) ? d.Clone() : EmptyObject;
                message = new QmpMessage { Kind = QmpMessageKind.Event, EventName = name.GetString(), Value = data, Timestamp = ReadTimestamp(root) };
            }
            else if (root.TryGetProperty("QMP", out var greeting))
            {
                message = new QmpMessage { Kind = QmpMessageKind.Greeting, Value = greeting.Clone() };
            }
            else
            {
                error = "a JSON object that is neither a reply, an event nor the greeting";
                return false;
            }
            error = null;
            return true;
        }
    }

    private static JsonElement EmptyObject { get; } = JsonDocument.Parse("{}").RootElement.Clone();

    // {"seconds": S, "microseconds": U}; QEMU sends -1/-1 when it has no clock reading.
    private static DateTimeOffset? ReadTimestamp(JsonElement root)
    {
        if (root.TryGetProperty("timestamp", out var stamp) && stamp.ValueKind == JsonValueKind.Object
            && stamp.TryGetProperty("seconds", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out long seconds)
            && stamp.TryGetProperty("microseconds", out var u) && u.ValueKind == JsonValueKind.Number && u.TryGetInt64(out long micros)
            && seconds is >= 0 and < 253_402_300_799 && micros is >= 0 and < 1_000_000)
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(micros * 10);
        }
        return null;
    }
}
