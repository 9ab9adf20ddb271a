using System.Text.Json;
using Grpc.Net.Client;
using Nvo3.Security;
using P = Nvo3.Protocol.V1;

namespace Nvo3.IntegrationTests;

/// <summary><c>nvo3 pki</c> as a process, and <c>nvo3 nva serve --tls-dir</c> with what it issues.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are part of what is checked
public sealed class PkiCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static Task<Nvo3Process> RunAsync(params string[] args) => Nvo3Process.RunAsync(Timeout, args);

    [Fact]
    public async Task InitThenIssue_PrintsWhatWasWrittenAndTheFilesLoad()
    {
        using var folder = new TempFolder();
        string ca = folder.File("ca");
        string h1 = folder.File("h1");

        using var init = await RunAsync("pki", "init", ca);
        using var issue = await RunAsync("pki", "issue", ca, "--role", "nve", "--name", "h1", "--san", "h1.example.net", "--san", "192.0.2.11", "--out", h1, "--days", "30", "--json");

        Assert.True(init.ExitCode == 0, init.Describe());
        Assert.StartsWith("created CA 'CN=Nvo3 CA ", init.Stdout[0], StringComparison.Ordinal);
        Assert.Contains(init.Stdout, l => l.Contains(Path.Combine(ca, "ca.key"), StringComparison.Ordinal) && l.Contains("0600", StringComparison.Ordinal));
        Assert.True(issue.ExitCode == 0, issue.Describe());
        using var printed = JsonDocument.Parse(string.Join('\n', issue.Stdout));
        var root = printed.RootElement;
        Assert.Equal("nvo3://nve/h1", root.GetProperty("identity").GetString());
        Assert.Equal("CN=h1, OU=nve", root.GetProperty("subject").GetString());
        Assert.Equal(["h1.example.net", "192.0.2.11"], root.GetProperty("sans").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(Path.Combine(h1, "key.pem"), root.GetProperty("key").GetString());
        var notAfter = root.GetProperty("notAfter").GetDateTimeOffset();
        Assert.InRange(notAfter - root.GetProperty("notBefore").GetDateTimeOffset(), TimeSpan.FromDays(30), TimeSpan.FromDays(30));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(h1, "key.pem")));
        using var tls = TlsMaterial.Load(h1);
        Assert.Equal(PeerIdentity.Nve("h1"), tls.Identity);
    }

    [Fact]
    public async Task Init_CaExists_OneLineExitOneAndTheCaUnchanged()
    {
        using var folder = new TempFolder();
        string ca = folder.File("ca");
        using (await RunAsync("pki", "init", ca))
        {
        }
        string key = File.ReadAllText(Path.Combine(ca, "ca.key"));

        using var again = await RunAsync("pki", "init", ca);

        Assert.True(again.ExitCode == 1, again.Describe());
        Assert.Matches(@"^nvo3 pki init: .*already exist; nothing was written \(--force replaces them\)\.$", again.Stderr.Trim());
        Assert.Equal(key, File.ReadAllText(Path.Combine(ca, "ca.key")));
    }

    [Fact]
    public async Task Issue_NoCa_OneLineExitOne()
    {
        using var folder = new TempFolder();

        using var issue = await RunAsync("pki", "issue", folder.Path, "--role", "nve", "--name", "h1", "--out", folder.File("h1"));

        Assert.True(issue.ExitCode == 1, issue.Describe());
        Assert.Equal($"nvo3 pki issue: {folder.Path} holds no CA (no ca.pem, no ca.key); create one with nvo3 pki init {folder.Path}.", issue.Stderr.Trim());
        Assert.False(Directory.Exists(folder.File("h1")));
    }

    [Theory]
    [InlineData("--role admin --name h1", "'admin' is not a role; write nva, nve or operator.")]
    [InlineData("--role nve", "--name is required")]
    [InlineData("--role nve --name h/1", "The name 'h/1' must be 1 to 64 letters")]
    [InlineData("--role nve --name h1 --san 1.2", "--san '1.2' is neither an IP address")]
    [InlineData("--role nve --name h1 --days 0", "--days 0 is out of range")]
    public async Task Issue_BadInput_OneLineExitTwoNothingWritten(string options, string says)
    {
        using var folder = new TempFolder();
        using (await RunAsync("pki", "init", folder.File("ca")))
        {
        }

        using var issue = await RunAsync(["pki", "issue", folder.File("ca"), .. options.Split(' '), "--out", folder.File("out")]);

        Assert.True(issue.ExitCode == 2, issue.Describe());
        Assert.Single(issue.Stderr.Trim().Split('\n'));
        Assert.Contains(says, issue.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("out")));
    }

    [Fact]
    public async Task NvaServe_TlsDir_ServesMutualTlsAndAPlainTextClientFails()
    {
        using var folder = new TempFolder();
        using (await RunAsync("pki", "init", folder.File("ca")))
        using (await RunAsync("pki", "issue", folder.File("ca"), "--role", "nva", "--name", "nva1", "--san", "127.0.0.1", "--out", folder.File("nva1")))
        using (await RunAsync("pki", "issue", folder.File("ca"), "--role", "operator", "--name", "alice", "--out", folder.File("alice")))
        {
        }
        var (nva, address) = await Nvo3Process.StartNvaAsync("memory", Timeout, "--tls-dir", folder.File("nva1"));
        using (nva)
        {
            Assert.Equal("https", address.Scheme);
            Assert.Contains(nva.Stdout, l => l.Contains("mutual TLS as nvo3://nva/nva1", StringComparison.Ordinal));

            using var plain = await RunAsync("vn", "list", "--nva", $"127.0.0.1:{address.Port}");
            Assert.True(plain.ExitCode == 1, plain.Describe());
            Assert.StartsWith("nvo3 vn list: Cannot reach the NVA", plain.Stderr, StringComparison.Ordinal);

            using var alice = TlsMaterial.Load(folder.File("alice"));
            var handler = new SocketsHttpHandler();
            alice.ConfigureHttpHandler(handler, PeerRequirement.Server(PeerIdentity.Nva("nva1")));
            using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
            var listed = await new P.Directory.DirectoryClient(channel).ListVirtualNetworksAsync(new P.ListVirtualNetworksRequest());
            Assert.Empty(listed.Networks);
        }
    }

    [Fact]
    public async Task NvaServe_TlsDirAndInsecure_UsageError()
    {
        using var nva = await RunAsync("nva", "serve", "--store", "memory", "--listen", "127.0.0.1:0", "--tls-dir", "/nowhere", "--insecure");

        Assert.True(nva.ExitCode == 2, nva.Describe());
        Assert.Equal("nvo3 nva serve: --tls-dir and --insecure contradict each other; give one.", nva.Stderr.Trim());
    }

    [Fact]
    public async Task NvaServe_Insecure_WarnsThatItIsPlainText()
    {
        var (nva, address) = await Nvo3Process.StartNvaAsync("memory", Timeout, "--insecure");
        using (nva)
        {
            Assert.Equal("http", address.Scheme);
            await nva.WaitForLineAsync(l => l.Contains("The NVA serves plain text", StringComparison.Ordinal) && l.Contains("--insecure", StringComparison.Ordinal), Timeout, "the warning");
        }
    }
}
