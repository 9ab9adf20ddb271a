using System.Text.Json;
using System.Text.Json.Serialization;
using Nvo3.Packets;

namespace Nvo3.Nva.Records;

/// <summary>Stores a MAC as "02:00:00:00:00:01", readable with etcdctl or sqlite3.</summary>
internal sealed class MacAddressConverter : JsonConverter<MacAddress>
{
    public override MacAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        MacAddress.TryParse(reader.GetString(), out var mac) ? mac : throw new JsonException("A MAC address was expected.");

    public override void Write(Utf8JsonWriter writer, MacAddress value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}

/// <summary>Stores an IP address in standard notation.</summary>
internal sealed class IpAddrConverter : JsonConverter<IpAddr>
{
    public override IpAddr Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        IpAddr.TryParse(reader.GetString(), out var ip) ? ip : throw new JsonException("An IP address was expected.");

    public override void Write(Utf8JsonWriter writer, IpAddr value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}

/// <summary>Stores a prefix as "10.0.0.0/24".</summary>
internal sealed class IpPrefixConverter : JsonConverter<IpPrefix>
{
    public override IpPrefix Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        IpPrefix.TryParse(reader.GetString(), out var prefix, out var why) ? prefix : throw new JsonException(why);

    public override void Write(Utf8JsonWriter writer, IpPrefix value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}

/// <summary>Stores an underlay endpoint as "ADDR" or "ADDR:PORT".</summary>
internal sealed class UnderlayEndpointConverter : JsonConverter<UnderlayEndpoint>
{
    public override UnderlayEndpoint Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        UnderlayEndpoint.TryParse(reader.GetString(), out var e) ? e : throw new JsonException("An underlay endpoint was expected.");

    public override void Write(Utf8JsonWriter writer, UnderlayEndpoint value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
