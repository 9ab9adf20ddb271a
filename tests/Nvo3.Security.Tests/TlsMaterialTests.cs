using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CsCheck;

namespace Nvo3.Security.Tests;

public class TlsMaterialTests
{
    [Fact]
    public void Load_IssuedFolder_RoundTripsCertificateKeyAndCa()
    {
        using var scratch = new ScratchPath();
        using var ca = CertificateAuthority.Init(scratch.Combine("ca"), force: false);
        var issued = ca.IssueTo(scratch.Combine("h1"), IssueRequest.For(PeerIdentity.Nve("h1"), ["192.0.2.1"]), force: false);

        using var tls = TlsMaterial.Load(scratch.Combine("h1"));

        Assert.Equal(PeerIdentity.Nve("h1"), tls.Identity);
        Assert.Equal(X509Certificate2.CreateFromPem(File.ReadAllText(issued.CertificatePath)).RawData, tls.Certificate.RawData);
        Assert.Equal(ca.Certificate.RawData, tls.Authority.RawData);
        Assert.Equal(issued.NotAfter, tls.Expires);
        Assert.Equal(scratch.Combine("h1"), tls.Source);
        // The key is the certificate's: what it signs, the certificate's public key verifies.
        using var key = tls.Certificate.GetECDsaPrivateKey()!;
        using var publicKey = tls.Certificate.GetECDsaPublicKey()!;
        byte[] data = [1, 2, 3];
        Assert.True(publicKey.VerifyData(data, key.SignData(data, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));
    }

    [Theory]
    [InlineData("cert.pem")]
    [InlineData("key.pem")]
    [InlineData("ca.pem")]
    public void Load_MissingFile_NamesItAndSaysHowToIssue(string missing)
    {
        using var scratch = new ScratchPath();
        using var ca = CertificateAuthority.Init(scratch.Combine("ca"), force: false);
        ca.IssueTo(scratch.Combine("h1"), IssueRequest.For(PeerIdentity.Nve("h1"), []), force: false);
        File.Move(scratch.Combine("h1", missing), scratch.Combine("h1", missing + ".away"));

        var ex = Assert.Throws<PkiException>(() => TlsMaterial.Load(scratch.Combine("h1")));

        Assert.Contains(scratch.Combine("h1", missing) + " does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Contains("nvo3 pki issue", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_KeyOfAnotherCertificate_SaysTheyDoNotMatch()
    {
        using var scratch = new ScratchPath();
        using var ca = CertificateAuthority.Init(scratch.Combine("ca"), force: false);
        ca.IssueTo(scratch.Combine("h1"), IssueRequest.For(PeerIdentity.Nve("h1"), []), force: false);
        ca.IssueTo(scratch.Combine("h2"), IssueRequest.For(PeerIdentity.Nve("h2"), []), force: false);
        File.Copy(scratch.Combine("h2", "key.pem"), scratch.Combine("h1", "key.pem"), overwrite: true);

        var ex = Assert.Throws<PkiException>(() => TlsMaterial.Load(scratch.Combine("h1")));

        Assert.Contains("is not the key of", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CaOfAnotherOverlay_SaysWhichCaIssuedIt()
    {
        using var scratch = new ScratchPath();
        using var ca = CertificateAuthority.Init(scratch.Combine("ca"), force: false);
        using var other = CertificateAuthority.Init(scratch.Combine("other"), force: false);
        ca.IssueTo(scratch.Combine("h1"), IssueRequest.For(PeerIdentity.Nve("h1"), []), force: false);
        File.Copy(CertificateAuthority.CertificatePath(scratch.Combine("other")), scratch.Combine("h1", "ca.pem"), overwrite: true);

        var ex = Assert.Throws<PkiException>(() => TlsMaterial.Load(scratch.Combine("h1")));

        Assert.Contains($"not by this overlay's CA '{other.Certificate.Subject}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromCertificates_Expired_SaysIssueANewOne()
    {
        using var ca = TestPki.NewAuthority();
        var expired = ca.Issue(new IssueRequest { Identity = PeerIdentity.Nve("h1"), NotBefore = TestPki.Epoch, NotAfter = TestPki.Epoch.AddDays(1) });

        var ex = Assert.Throws<PkiException>(() => TlsMaterial.FromCertificates(expired, Copy(ca.Certificate), TestPki.ClockAt(TestPki.Epoch.AddDays(2))));

        Assert.Contains("expired", ex.Message, StringComparison.Ordinal);
        Assert.Contains("nvo3 pki issue", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromCertificates_NotYetValid_SaysCheckTheClocks()
    {
        using var ca = TestPki.NewAuthority();
        var early = ca.Issue(new IssueRequest { Identity = PeerIdentity.Nve("h1"), NotBefore = TestPki.Epoch.AddDays(10), NotAfter = TestPki.Epoch.AddDays(20) });

        var ex = Assert.Throws<PkiException>(() => TlsMaterial.FromCertificates(early, Copy(ca.Certificate), TestPki.ClockAt(TestPki.Epoch.AddDays(1))));

        Assert.Contains("check the clocks", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromCertificates_WithoutKey_Refused()
    {
        using var ca = TestPki.NewAuthority();
        using var issued = ca.Issue(new IssueRequest { Identity = PeerIdentity.Nve("h1") });

        Assert.Throws<PkiException>(() => TlsMaterial.FromCertificates(Copy(issued), Copy(ca.Certificate)));
    }

    [Fact]
    public void FromPem_Garbage_OnlyPkiException()
    {
        using var ca = TestPki.NewAuthority();
        using var issued = ca.Issue(new IssueRequest { Identity = PeerIdentity.Nve("h1") });
        string cert = issued.ExportCertificatePem();
        string key = issued.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem();
        string caPem = ca.Certificate.ExportCertificatePem();
        // Whole garbage, and real files with a stretch of garbage written over them.
        var text = Gen.OneOf(Gen.String, Gen.Const(cert), Gen.Const(key), Gen.Const(caPem));
        var mangled = Gen.Select(text, Gen.Int[0, 2000], Gen.String[0, 40]).Select(Overwrite);
        Gen.Select(mangled, mangled, mangled).Sample((c, k, a) =>
        {
            try
            {
                TlsMaterial.FromPem(c, k, a, TestPki.ClockAt(TestPki.Epoch.AddDays(1))).Dispose();
            }
            catch (PkiException)
            {
                // What garbage must give.
            }
        }, iter: 400);
    }

    [Fact]
    public void TryVerifyPeer_GoodClient_TheIdentity()
    {
        using var ca = TestPki.NewAuthority();
        using var server = TestPki.Material(ca, PeerIdentity.Nva("nva1"));
        using var client = TestPki.Material(ca, PeerIdentity.Operator("alice"));

        Assert.True(server.TryVerifyPeer(client.Certificate, PeerRequirement.AnyClient, out var identity, out _));
        Assert.Equal(PeerIdentity.Operator("alice"), identity);
    }

    [Theory]
    [InlineData("nvo3://nve/h2", true, "")]
    [InlineData("nvo3://nve/evil", false, "is nvo3://nve/h2, not nvo3://nve/evil")]
    [InlineData("nvo3://nva/h2", false, "is nvo3://nve/h2, not nvo3://nva/h2")]
    public void TryVerifyPeer_PinnedServer_OnlyThatIdentity(string pinned, bool accepted, string reason)
    {
        using var ca = TestPki.NewAuthority();
        using var client = TestPki.Material(ca, PeerIdentity.Nve("h1"));
        using var server = TestPki.Material(ca, PeerIdentity.Nve("h2"));

        bool ok = client.TryVerifyPeer(server.Certificate, PeerRequirement.Server(PeerIdentity.Parse(pinned)), out _, out string? error);

        Assert.Equal(accepted, ok);
        Assert.Contains(reason, error ?? "", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("192.0.2.7", null, true)]
    [InlineData("nva1.example.net", null, true)]
    [InlineData("[2001:db8::7]", null, true)]
    [InlineData("192.0.2.8", null, false)]
    [InlineData("other.example.net", null, false)]
    [InlineData("nva1.example.net", PeerRole.Nva, true)]
    [InlineData("nva1.example.net", PeerRole.Nve, false)]
    public void TryVerifyPeer_ServerByHost_SansDecide(string host, PeerRole? role, bool accepted)
    {
        using var ca = TestPki.NewAuthority();
        using var client = TestPki.Material(ca, PeerIdentity.Nve("h1"));
        using var server = TestPki.Material(ca, PeerIdentity.Nva("nva1"), null, "192.0.2.7", "nva1.example.net", "2001:db8::7");

        bool ok = client.TryVerifyPeer(server.Certificate, PeerRequirement.ServerAt(host, role), out _, out string? error);

        Assert.Equal(accepted, ok);
        if (!ok && role is null)
        {
            Assert.Contains("--san", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TryVerifyPeer_NoCertificate_SaysWhereOneComesFrom()
    {
        using var ca = TestPki.NewAuthority();
        using var server = TestPki.Material(ca, PeerIdentity.Nva("nva1"));

        Assert.False(server.TryVerifyPeer(null, PeerRequirement.AnyClient, out _, out string? error));
        Assert.Contains("presented no certificate", error, StringComparison.Ordinal);
        Assert.Contains("--tls-dir", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryVerifyPeer_TheCaItself_Refused()
    {
        using var ca = TestPki.NewAuthority();
        using var server = TestPki.Material(ca, PeerIdentity.Nva("nva1"));

        Assert.False(server.TryVerifyPeer(ca.Certificate, PeerRequirement.AnyClient, out _, out string? error));
        Assert.Contains("is a CA certificate", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryVerifyPeer_ServerOnlyCertificateAsClient_RefusedForItsUsage()
    {
        using var ca = TestPki.NewAuthority();
        using var server = TestPki.Material(ca, PeerIdentity.Nva("nva1"));
        using var odd = TestPki.Odd(ca, r =>
        {
            r.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            var san = new SubjectAlternativeNameBuilder();
            san.AddUri(PeerIdentity.Nve("h9").ToUri());
            r.CertificateExtensions.Add(san.Build());
        });

        Assert.False(server.TryVerifyPeer(odd, PeerRequirement.AnyClient, out _, out string? error));
        Assert.Contains("extended key usage", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryVerifyPeer_FromAnotherCa_NamesBothCas()
    {
        using var ca = TestPki.NewAuthority();
        using var other = TestPki.NewAuthority();
        using var server = TestPki.Material(ca, PeerIdentity.Nva("nva1"));
        using var stranger = TestPki.Material(other, PeerIdentity.Nve("h1"));

        Assert.False(server.TryVerifyPeer(stranger.Certificate, PeerRequirement.AnyClient, out _, out string? error));
        Assert.Contains(other.Certificate.Subject, error, StringComparison.Ordinal);
        Assert.Contains(ca.Certificate.Subject, error, StringComparison.Ordinal);
    }

    // Writes junk over text at a position (wrapped to its length).
    private static string Overwrite(string text, int at, string junk)
    {
        int p = at % (text.Length + 1);
        return text[..p] + junk + text[Math.Min(text.Length, p + junk.Length)..];
    }

    private static X509Certificate2 Copy(X509Certificate2 certificate) => X509CertificateLoader.LoadCertificate(certificate.RawData);
}
