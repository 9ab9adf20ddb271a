using Nvo3.Packets;

namespace Nvo3.Packets.Tests;

public class VxlanHeaderTests
{
    [Fact]
    public void Write_ThenParse_KeepsVni()
    {
        Span<byte> buffer = stackalloc byte[VxlanHeader.Length];
        VxlanHeader.Write(buffer, 0xABCDEF);

        Assert.True(VxlanHeader.TryParse(buffer, out var header, out var error));
        Assert.Equal(PacketError.None, error);
        Assert.Equal(0xABCDEFu, header.Vni);
        Assert.Equal(new byte[] { 0x08, 0, 0, 0, 0xAB, 0xCD, 0xEF, 0 }, buffer.ToArray());
    }

    [Fact]
    public void TryParse_ReservedBitSet_RefusesWithBadFlags()
    {
        byte[] bytes = [0x08, 0, 0, 1, 0, 0, 1, 0];
        Assert.False(VxlanHeader.TryParse(bytes, out _, out var error));
        Assert.Equal(PacketError.BadFlags, error);
    }
}
