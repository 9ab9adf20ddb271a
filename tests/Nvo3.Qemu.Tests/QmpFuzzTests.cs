using System.Text;
using CsCheck;
using Nvo3.Qemu.Qmp;

namespace Nvo3.Qemu.Tests;

/// <summary>
/// What QEMU sends is untrusted input: whatever the bytes, the parser returns a message or false
/// with a reason, the line reader returns lines or a protocol error within its bound, and the
/// client ends with a protocol error, never another exception and never unbounded memory.
/// </summary>
public class QmpFuzzTests
{
    private static readonly string[] Valid =
    [
        FakeQmpServer.Greeting,
        """{"return": {}, "id": "nvo3-1"}""",
        """{"return": {"status": "running", "singlestep": false, "running": true}, "id": "nvo3-2"}""",
        """{"error": {"class": "GenericError", "desc": "no"}, "id": "nvo3-3"}""",
        """{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "MIGRATION", "data": {"status": "pre-switchover"}}""",
        """{"timestamp": {"seconds": -1, "microseconds": -1}, "event": "STOP"}""",
        """{"return": [{"device": "m0", "type": "mirror", "len": 10, "offset": 10, "ready": true, "status": "ready"}], "id": 7}""",
    ];

    [Fact]
    public void TryParse_RandomBytes_NeverThrows()
    {
        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            if (QmpMessage.TryParse(bytes, out var message, out string? error))
            {
                Assert.NotNull(message);
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(error));
            }
        }, iter: 20_000);
    }

    [Fact]
    public void TryParse_ValidMessagesWithBytesChanged_NeverThrows()
    {
        var changes = Gen.Select(Gen.Int[0, 400], Gen.Char["{}[]\":,0123456789-.aeltrunsx \\"]).Array[1, 6];
        Gen.Select(Gen.Int[0, Valid.Length - 1], changes).Sample((index, edits) =>
        {
            var text = Valid[index].ToCharArray();
            foreach (var (at, c) in edits)
            {
                text[at % text.Length] = c;
            }
            QmpMessage.TryParse(Encoding.UTF8.GetBytes(text), out _, out _);
        }, iter: 20_000);
    }

    [Fact]
    public void TryParse_EveryTruncationOfValidMessages_NeverThrows()
    {
        foreach (string message in Valid)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(message);
            for (int length = 0; length <= bytes.Length; length++)
            {
                QmpMessage.TryParse(bytes.AsMemory(0, length), out _, out _);
            }
        }
    }

    [Fact]
    public void TryParse_DeepNesting_RefusedNotOverflowed()
    {
        string deep = new string('[', 100_000) + new string(']', 100_000);

        Assert.False(QmpMessage.TryParse(Encoding.UTF8.GetBytes(deep), out _, out string? error));
        Assert.Contains("not JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadLineAsync_LinesInRandomChunks_ComeBackWholeOrTooLong()
    {
        var lines = Gen.String[Gen.Char['a', 'z'], 0, 300].List[1, 12];
        await Gen.Select(lines, Gen.Int[1, 64].Array[1, 5], Gen.Bool).SampleAsync(async (text, chunks, crlf) =>
        {
            const int max = 200;
            string eol = crlf ? "\r\n" : "\n";
            byte[] input = Encoding.ASCII.GetBytes(string.Concat(text.Select(t => t + eol)));
            var reader = new Qemu.Qmp.QmpLineReader(new ScriptedStream(input, chunks), max);
            var expected = text.Where(t => t.Length > 0).ToList();
            int tooLong = text.FindIndex(t => t.Length > max);
            var read = new List<string>();
            try
            {
                while (await reader.ReadLineAsync() is { } line)
                {
                    read.Add(Encoding.ASCII.GetString(line.Span));
                }
                Assert.Equal(-1, tooLong);
                Assert.Equal(expected, read);
            }
            catch (QmpProtocolException)
            {
                Assert.NotEqual(-1, tooLong);
                Assert.Equal(text.Take(tooLong).Where(t => t.Length > 0), read);
            }
        }, iter: 2_000);
    }

    [Fact]
    public async Task ReadLineAsync_EndsMidLine_ProtocolError()
    {
        var reader = new Qemu.Qmp.QmpLineReader(new ScriptedStream("{\"return\": {}}\r\n{\"ret"u8.ToArray(), []), 1024);

        Assert.NotNull(await reader.ReadLineAsync());
        await Assert.ThrowsAsync<QmpProtocolException>(async () => await reader.ReadLineAsync());
    }

    [Fact]
    public async Task Client_GreetingThenRandomBytes_EndsWithAProtocolErrorOnly()
    {
        var garbage = Gen.Byte.Array[0, 300];
        await Gen.Select(garbage, Gen.Int[1, 40].Array[1, 4]).SampleAsync(async (bytes, chunks) =>
        {
            byte[] input = [.. Encoding.UTF8.GetBytes(FakeQmpServer.Greeting + "\r\n"), .. bytes];
            var stream = new ScriptedStream(input, chunks);
            try
            {
                // The random bytes are all the peer says: qmp_capabilities gets garbage, or nothing.
                await using var client = await QmpClient.StartAsync(stream, "fuzz", new QmpClientOptions { MaxMessageBytes = 256 });
                Assert.Fail("a peer that never answered qmp_capabilities was accepted");
            }
            catch (QmpProtocolException)
            {
            }
            catch (QmpException)
            {
                // The bytes happened to form an error reply with the right id: a refusal, also fine.
            }
        }, iter: 3_000);
    }
}
