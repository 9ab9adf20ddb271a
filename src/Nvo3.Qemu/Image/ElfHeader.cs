using System.Buffers.Binary;

namespace Nvo3.Qemu.Image;

/// <summary>Just enough of an ELF64 file to tell whether it runs on its own in an initramfs.</summary>
internal static class ElfHeader
{
    private const uint PtInterp = 3;

    /// <summary>
    /// True when <paramref name="file"/> is a little-endian ELF64 executable with no program
    /// interpreter (PT_INTERP): statically linked, so it needs no libc in the image.
    /// </summary>
    public static bool IsStatic(ReadOnlySpan<byte> file)
    {
        if (file.Length < 64 || file[0] != 0x7F || !file[1..4].SequenceEqual("ELF"u8) || file[4] != 2 || file[5] != 1)
        {
            return false;
        }
        long tableOffset = BinaryPrimitives.ReadInt64LittleEndian(file[32..]);
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(file[54..]);
        int entries = BinaryPrimitives.ReadUInt16LittleEndian(file[56..]);
        if (tableOffset < 64 || entrySize < 4 || tableOffset + ((long)entrySize * entries) > file.Length)
        {
            return false;
        }
        for (int i = 0; i < entries; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(file[(int)(tableOffset + ((long)i * entrySize))..]) == PtInterp)
            {
                return false;
            }
        }
        return true;
    }
}
