using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Nvo3.Qemu.Tests;

/// <summary>
/// A QMP peer on a unix socket that the test drives line by line: it greets (or not), reads the
/// client's commands and sends whatever replies and events the test scripts, in any order.
/// </summary>
internal sealed class FakeQmpServer : IAsyncDisposable
{
    public const string Greeting = """{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "fake"}, "capabilities": ["oob"]}}""";

    private readonly TemporaryDirectory _directory = new();
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private Socket? _connection;
    private StreamReader? _reader;

    public FakeQmpServer()
    {
        SocketPath = Path.Combine(_directory.Path, "qmp.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(1);
    }

    public string SocketPath { get; }

    /// <summary>Accepts the client and sends <paramref name="greeting"/>.</summary>
    public async Task AcceptAsync(string greeting = Greeting)
    {
        _connection = await _listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(10));
        _reader = new StreamReader(new NetworkStream(_connection), Encoding.UTF8);
        await SendAsync(greeting);
    }

    /// <summary>Accepts, greets, and answers qmp_capabilities: what every client does first.</summary>
    public async Task AcceptAndNegotiateAsync()
    {
        await AcceptAsync();
        var command = await ReadCommandAsync();
        Assert.Equal("qmp_capabilities", command.GetProperty("execute").GetString());
        await ReplyAsync(command, "{}");
    }

    /// <summary>The next command the client sent.</summary>
    public async Task<JsonElement> ReadCommandAsync()
    {
        string line = await _reader!.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)) ?? throw new IOException("client closed");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    /// <summary>Replies to <paramref name="command"/> with return value <paramref name="json"/>.</summary>
    public Task ReplyAsync(JsonElement command, string json) =>
        SendAsync($$"""{"return": {{json}}, "id": {{command.GetProperty("id").GetRawText()}}}""");

    /// <summary>Replies to <paramref name="command"/> with an error.</summary>
    public Task FailAsync(JsonElement command, string errorClass, string description) =>
        SendAsync($$"""{"error": {"class": "{{errorClass}}", "desc": "{{description}}"}, "id": {{command.GetProperty("id").GetRawText()}}}""");

    /// <summary>Sends event <paramref name="name"/> with <paramref name="data"/>.</summary>
    public Task EventAsync(string name, string data = "{}") =>
        SendAsync($$"""{"timestamp": {"seconds": 1700000000, "microseconds": 5}, "event": "{{name}}", "data": {{data}}}""");

    /// <summary>Sends raw text and CR LF, as QEMU ends its lines.</summary>
    public async Task SendAsync(string line) => await SendRawAsync(Encoding.UTF8.GetBytes(line + "\r\n"));

    public async Task SendRawAsync(byte[] bytes) => await _connection!.SendAsync(bytes);

    /// <summary>Closes the connection, as QEMU does when it exits.</summary>
    public void Hangup() => _connection?.Shutdown(SocketShutdown.Both);

    public ValueTask DisposeAsync()
    {
        _reader?.Dispose();
        _connection?.Dispose();
        _listener.Dispose();
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }
}
