using System.Globalization;
using System.Text;

namespace Nvo3.Qemu.Tests;

/// <summary>
/// A newc cpio reader written for the tests from the format's description (not from the writer):
/// the writer's output must read back through an independent parser.
/// </summary>
internal static class CpioReader
{
    public sealed record Entry(string Name, int Mode, byte[] Data, int Links, int Major, int Minor);

    public static IEnumerable<Entry> ReadAll(Stream input)
    {
        var header = new byte[110];
        while (true)
        {
            input.ReadExactly(header);
            string text = Encoding.ASCII.GetString(header);
            if (!text.StartsWith("070701", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"bad magic '{text[..6]}'");
            }
            int Field(int index) => int.Parse(text.AsSpan(6 + (index * 8), 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            int mode = Field(1), links = Field(4), size = Field(6), major = Field(9), minor = Field(10), nameSize = Field(11);
            var name = new byte[nameSize];
            input.ReadExactly(name);
            if (name[^1] != 0)
            {
                throw new InvalidDataException("name not NUL-terminated");
            }
            Skip(input, Padding(110 + nameSize));
            var data = new byte[size];
            input.ReadExactly(data);
            Skip(input, Padding(size));
            string entryName = Encoding.UTF8.GetString(name, 0, nameSize - 1);
            if (entryName == "TRAILER!!!")
            {
                yield break;
            }
            yield return new Entry(entryName, mode, data, links, major, minor);
        }
    }

    private static int Padding(int length) => (4 - (length % 4)) % 4;

    private static void Skip(Stream input, int count)
    {
        Span<byte> pad = stackalloc byte[4];
        input.ReadExactly(pad[..count]);
        foreach (byte b in pad[..count])
        {
            if (b != 0)
            {
                throw new InvalidDataException("padding is not zero");
            }
        }
    }
}
