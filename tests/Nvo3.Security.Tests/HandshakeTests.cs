using System.Security.Authentication;

namespace Nvo3.Security.Tests;

/// <summary>Mutual TLS over loopback TCP with <see cref="TlsMaterial"/>'s SslStream helpers.</summary>
public class HandshakeTests
{
    [Fact]
    public async Task Handshake_BothFromTheCa_EachLearnsTheOthersIdentityAndBytesFlow()
    {
        using var ca = TestPki.NewAuthority();
        using var server = TestPki.Material(ca, PeerIdentity.Nve("h2"));
        using var client = TestPki.Material(ca, PeerIdentity.Nve("h1"));

        var (serverSide, clientSide) = await TestPki.HandshakeAsync(server, client, PeerRequirement.Server(PeerIdentity.Nve("h2")));

        var (serverStream, clientIdentity) = await serverSide;
        var (clientStream, serverIdentity) = await clientSide;
        await using (serverStream)
        await using (clientStream)
        {
            Assert.Equal(PeerIdentity.Nve("h1"), clientIdentity);
            Assert.Equal(PeerIdentity.Nve("h2"), serverIdentity);
            await clientStream.WriteAsync("state"u8.ToArray());
            var buffer = new byte[5];
            await serverStream.ReadExactlyAsync(buffer);
            Assert.Equal("state"u8.ToArray(), buffer);
        }
    }

    [Fact]
    public async Task Handshake_ClientFromAnotherCa_ServerRefusesNamingTheCa()
    {
        using var ca = TestPki.NewAuthority();
        using var other = TestPki.NewAuthority();
        using var server = TestPki.Material(ca, PeerIdentity.Nve("h2"));
        using var stranger = TestPki.Material(other, PeerIdentity.Nve("h1"));

        var (serverSide, _) = await TestPki.HandshakeAsync(server, stranger, PeerRequirement.Server(PeerIdentity.Nve("h2")));

        var ex = await Assert.ThrowsAsync<AuthenticationException>(() => serverSide);
        Assert.Contains("not by this overlay's CA", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_ServerFromAnotherCa_ClientRefusesBeforeSending()
    {
        using var ca = TestPki.NewAuthority();
        using var other = TestPki.NewAuthority();
        using var impostor = TestPki.Material(other, PeerIdentity.Nve("h2"));
        using var client = TestPki.Material(ca, PeerIdentity.Nve("h1"));

        var (_, clientSide) = await TestPki.HandshakeAsync(impostor, client, PeerRequirement.Server(PeerIdentity.Nve("h2")));

        var ex = await Assert.ThrowsAsync<AuthenticationException>(() => clientSide);
        Assert.Contains("The server's certificate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_ExpiredClient_ServerRefusesSayingExpired()
    {
        using var ca = TestPki.NewAuthority();
        // The client's own clock still finds it valid; the server's, 400 days on, does not.
        using var server = ca.IssueMaterial(new IssueRequest { Identity = PeerIdentity.Nve("h2"), NotBefore = TestPki.Epoch.AddDays(300) }, TestPki.ClockAt(TestPki.Epoch.AddDays(400)));
        using var client = TestPki.Material(ca, PeerIdentity.Nve("h1"));

        var (serverSide, _) = await TestPki.HandshakeAsync(server, client, PeerRequirement.Server(PeerIdentity.Nve("h2")));

        var ex = await Assert.ThrowsAsync<AuthenticationException>(() => serverSide);
        Assert.Contains("expired", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_NoClientCertificate_ServerRefuses()
    {
        using var ca = TestPki.NewAuthority();
        using var server = TestPki.Material(ca, PeerIdentity.Nve("h2"));

        var (serverSide, clientSide) = await TestPki.HandshakeAsync(server, null, PeerRequirement.AnyClient);

        var ex = await Assert.ThrowsAsync<AuthenticationException>(() => serverSide);
        Assert.Contains("presented no certificate", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<Exception>(() => clientSide);
    }

    [Fact]
    public async Task Handshake_ServerOfAnotherIdentity_ClientRefusesNamingBoth()
    {
        using var ca = TestPki.NewAuthority();
        using var evil = TestPki.Material(ca, PeerIdentity.Nve("evil"));
        using var client = TestPki.Material(ca, PeerIdentity.Nve("h1"));

        var (_, clientSide) = await TestPki.HandshakeAsync(evil, client, PeerRequirement.Server(PeerIdentity.Nve("h2")));

        var ex = await Assert.ThrowsAsync<AuthenticationException>(() => clientSide);
        Assert.Contains("is nvo3://nve/evil, not nvo3://nve/h2", ex.Message, StringComparison.Ordinal);
    }
}
