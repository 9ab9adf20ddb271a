using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nvo3.Nva.Records;

/// <summary>The JSON form of the directory's records in the store (source-generated, no reflection).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(MacAddressConverter), typeof(IpAddrConverter), typeof(IpPrefixConverter), typeof(UnderlayEndpointConverter)])]
[JsonSerializable(typeof(VirtualNetwork))]
[JsonSerializable(typeof(NveRecord))]
[JsonSerializable(typeof(Binding))]
[JsonSerializable(typeof(Migration))]
[JsonSerializable(typeof(Redirect))]
[JsonSerializable(typeof(NveLease))]
[JsonSerializable(typeof(string))]
internal sealed partial class RecordJson : JsonSerializerContext
{
    // Each value this process encoded, by the very array it encoded to: an in-process store
    // (memory, SQLite) hands that array back in its watch events, and the NVA's watched copy takes
    // the record from here instead of decoding JSON it has just written. Entries go with their arrays.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<byte[], object> s_encoded = [];

    public static byte[] Encode<T>(T value) where T : class
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Default.GetTypeInfo(typeof(T))!);
        s_encoded.AddOrUpdate(bytes, value);
        return bytes;
    }

    public static T Decode<T>(byte[] bytes) where T : class =>
        JsonSerializer.Deserialize(bytes, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Default.GetTypeInfo(typeof(T))!)
        ?? throw new InvalidDataException($"A stored {typeof(T).Name} is null.");

    /// <summary>Decodes any stored value by the kind its key names: a record, a lease, or an index entry's string.</summary>
    public static object DecodeAny(string key, byte[] bytes) =>
        s_encoded.TryGetValue(bytes, out var known) ? known
        : key.StartsWith(Keys.Bindings, StringComparison.Ordinal) ? Decode<Binding>(bytes)
        : key.StartsWith(Keys.Redirects, StringComparison.Ordinal) ? Decode<Redirect>(bytes)
        : key.StartsWith(Keys.Nves, StringComparison.Ordinal) ? Decode<NveRecord>(bytes)
        : key.StartsWith(Keys.Leases, StringComparison.Ordinal) ? Decode<NveLease>(bytes)
        : key.StartsWith(Keys.Networks, StringComparison.Ordinal) ? Decode<VirtualNetwork>(bytes)
        : key.StartsWith(Keys.Migrations, StringComparison.Ordinal) ? Decode<Migration>(bytes)
        : Decode<string>(bytes);
}
