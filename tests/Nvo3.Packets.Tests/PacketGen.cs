using CsCheck;

namespace Nvo3.Packets.Tests;

/// <summary>CsCheck generators of field values, shared by the property tests.</summary>
internal static class PacketGen
{
    public static readonly Gen<MacAddress> Mac = Gen.ULong.Select(v => new MacAddress(v));

    public static readonly Gen<IpAddr> IPv4 = Gen.UInt.Select(IpAddr.FromV4);

    public static readonly Gen<IpAddr> IPv6 = Gen.Select(Gen.ULong, Gen.ULong, (hi, lo) => IpAddr.FromV6(new UInt128(hi, lo)));

    /// <summary>IPv6 addresses outside ff00::/8, the kind a neighbor target or a host may hold.</summary>
    public static readonly Gen<IpAddr> UnicastIPv6 = IPv6.Where(a => !a.IsMulticast);

    /// <summary>A source and destination of the same family, IPv4 or IPv6.</summary>
    public static readonly Gen<(IpAddr Source, IpAddr Destination)> AddressPair =
        Gen.Bool.SelectMany(v6 => v6 ? Gen.Select(IPv6, IPv6) : Gen.Select(IPv4, IPv4));

    public static readonly Gen<uint> Vni = Gen.UInt[0, VxlanHeader.MaxVni];

    public static readonly Gen<ushort> Port = Gen.UShort;

    /// <summary>Payloads from empty to a full 1400-byte tenant packet, biased towards small and odd sizes.</summary>
    public static readonly Gen<byte[]> Payload = Gen.Frequency(
        (4, Gen.Byte.Array[0, 64]),
        (1, Gen.Byte.Array[65, 1400]));

    public static Gen<byte[]> Bytes(int maxLength) => Gen.Byte.Array[0, maxLength];
}
