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
[JsonSerializable(typeof(string))]
internal sealed partial class RecordJson : JsonSerializerContext
{
    public static byte[] Encode<T>(T value) where T : class =>
        JsonSerializer.SerializeToUtf8Bytes(value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Default.GetTypeInfo(typeof(T))!);

    public static T Decode<T>(byte[] bytes) where T : class =>
        JsonSerializer.Deserialize(bytes, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Default.GetTypeInfo(typeof(T))!)
        ?? throw new InvalidDataException($"A stored {typeof(T).Name} is null.");
}
