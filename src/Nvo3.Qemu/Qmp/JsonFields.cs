using System.Text.Json;

namespace Nvo3.Qemu.Qmp;

/// <summary>Reads optional members of QEMU's replies without throwing: a member that is missing or of another type reads as null.</summary>
internal static class JsonFields
{
    public static long? Int64(JsonElement parent, string name) =>
        Member(parent, name, JsonValueKind.Number) is { } v && v.TryGetInt64(out long n) ? n : null;

    public static double? Double(JsonElement parent, string name) =>
        Member(parent, name, JsonValueKind.Number) is { } v && v.TryGetDouble(out double d) ? d : null;

    public static string? String(JsonElement parent, string name) =>
        Member(parent, name, JsonValueKind.String)?.GetString();

    public static bool IsTrue(JsonElement parent, string name) => Member(parent, name, JsonValueKind.True) is not null;

    private static JsonElement? Member(JsonElement parent, string name, JsonValueKind kind) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == kind ? value : null;
}
