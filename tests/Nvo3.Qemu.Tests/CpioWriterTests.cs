using CsCheck;
using Nvo3.Qemu.Image;

namespace Nvo3.Qemu.Tests;

/// <summary>The newc writer against an independent reader: whatever goes in comes back, aligned.</summary>
public class CpioWriterTests
{
    private static readonly Gen<string> Name = Gen.String[Gen.Char["abcdefghij_.-0123456789"], 1, 40];

    [Fact]
    public void Write_RandomEntries_ReadBackEqual()
    {
        var files = Gen.Select(Name, Gen.Byte.Array[0, 700], Gen.Int[0, 0x1FF]).List[0, 12];
        files.Sample(entries =>
        {
            var unique = entries.DistinctBy(e => e.Item1).ToList();
            using var stream = new MemoryStream();
            var writer = new CpioWriter(stream);
            writer.AddDirectory("d");
            foreach (var (name, data, permissions) in unique)
            {
                writer.AddFile("d/" + name, data, permissions);
            }
            writer.AddSymlink("link", "/d/target");
            writer.Finish();

            Assert.Equal(0, stream.Length % 4);
            stream.Position = 0;
            var read = CpioReader.ReadAll(stream).ToList();
            Assert.Equal(unique.Count + 2, read.Count);
            Assert.Equal(CpioWriter.Directory | 0x1ED, read[0].Mode);
            Assert.Equal(2, read[0].Links);
            for (int i = 0; i < unique.Count; i++)
            {
                Assert.Equal("d/" + unique[i].Item1, read[i + 1].Name);
                Assert.Equal(unique[i].Item2, read[i + 1].Data);
                Assert.Equal(CpioWriter.RegularFile | unique[i].Item3, read[i + 1].Mode);
            }
            Assert.Equal("/d/target", System.Text.Encoding.UTF8.GetString(read[^1].Data));
            Assert.Equal(CpioWriter.SymbolicLink, read[^1].Mode & 0xF000);
        }, iter: 500);
    }

    [Fact]
    public void AddCharacterDevice_Console_CarriesMajorAndMinor()
    {
        using var stream = new MemoryStream();
        var writer = new CpioWriter(stream);
        writer.AddCharacterDevice("/dev/console", 5, 1);
        writer.Finish();
        stream.Position = 0;

        var entry = Assert.Single(CpioReader.ReadAll(stream));

        Assert.Equal("dev/console", entry.Name);
        Assert.Equal((5, 1), (entry.Major, entry.Minor));
    }

    [Fact]
    public void Add_SameNameTwice_Throws()
    {
        var writer = new CpioWriter(new MemoryStream());
        writer.AddFile("a", [1]);

        Assert.Throws<ArgumentException>(() => writer.AddFile("/a", [2]));
    }

    [Fact]
    public void Add_AfterFinish_Throws()
    {
        var writer = new CpioWriter(new MemoryStream());
        writer.Finish();

        Assert.Throws<ObjectDisposedException>(() => writer.AddDirectory("late"));
    }
}
