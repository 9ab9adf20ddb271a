using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Nvo3.Security.Tests;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are part of what is checked
public class CertificateAuthorityTests
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void Init_NewFolder_CaFilesWithTheDocumentedProfile()
    {
        using var scratch = new ScratchPath();
        string dir = scratch.Combine("ca");

        using (CertificateAuthority.Init(dir, force: false, TestPki.ClockAt(TestPki.Epoch)))
        {
        }
        using var ca = CertificateAuthority.Open(dir);
        var cert = ca.Certificate;

        Assert.StartsWith("CN=Nvo3 CA ", cert.Subject, StringComparison.Ordinal);
        Assert.Matches("^CN=Nvo3 CA [0-9a-f]{8}$", cert.Subject);
        Assert.Equal(cert.Subject, cert.Issuer);
        var constraints = cert.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(constraints.CertificateAuthority && constraints.HasPathLengthConstraint && constraints.Critical);
        Assert.Equal(0, constraints.PathLengthConstraint);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, cert.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        using var key = cert.GetECDsaPublicKey()!;
        Assert.Equal(256, key.KeySize);
        Assert.Equal(TestPki.Epoch.AddMinutes(-5), cert.NotBefore.ToUniversalTime());
        Assert.Equal(TestPki.Epoch.AddYears(10), cert.NotAfter.ToUniversalTime());
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(CertificateAuthority.KeyPath(dir)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void Init_CaExists_RefusesAndLeavesTheFilesAsTheyWere()
    {
        using var scratch = new ScratchPath();
        string dir = scratch.Combine("ca");
        CertificateAuthority.Init(dir, force: false).Dispose();
        string before = File.ReadAllText(CertificateAuthority.KeyPath(dir));

        var ex = Assert.Throws<PkiException>(() => CertificateAuthority.Init(dir, force: false));

        Assert.Contains("already exist", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--force", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(CertificateAuthority.KeyPath(dir)));
    }

    [Fact]
    public void Init_OneFileExists_WritesNeither()
    {
        using var scratch = new ScratchPath();
        string dir = scratch.Combine("ca");
        Directory.CreateDirectory(dir);
        File.WriteAllText(CertificateAuthority.CertificatePath(dir), "mine");

        Assert.Throws<PkiException>(() => CertificateAuthority.Init(dir, force: false));

        Assert.False(File.Exists(CertificateAuthority.KeyPath(dir)));
        Assert.Equal("mine", File.ReadAllText(CertificateAuthority.CertificatePath(dir)));
    }

    [Fact]
    public void Init_Force_ReplacesWithANewCa()
    {
        using var scratch = new ScratchPath();
        string dir = scratch.Combine("ca");
        string first;
        using (var ca = CertificateAuthority.Init(dir, force: false))
        {
            first = ca.Certificate.Thumbprint;
        }

        using var replaced = CertificateAuthority.Init(dir, force: true);

        Assert.NotEqual(first, replaced.Certificate.Thumbprint);
        using var reopened = CertificateAuthority.Open(dir);
        Assert.Equal(replaced.Certificate.Thumbprint, reopened.Certificate.Thumbprint);
    }

    [Fact]
    public void Open_NoCa_SaysRunPkiInit()
    {
        using var scratch = new ScratchPath();

        var ex = Assert.Throws<PkiException>(() => CertificateAuthority.Open(scratch.Path));

        Assert.Contains("holds no CA (no ca.pem, no ca.key)", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"nvo3 pki init {scratch.Path}", ex.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(scratch.Path));
    }

    [Fact]
    public void Open_KeyMissing_NamesTheFile()
    {
        using var scratch = new ScratchPath();
        CertificateAuthority.Init(scratch.Path, force: false).Dispose();
        File.Move(CertificateAuthority.KeyPath(scratch.Path), CertificateAuthority.KeyPath(scratch.Path) + ".away");

        var ex = Assert.Throws<PkiException>(() => CertificateAuthority.Open(scratch.Path));

        Assert.Contains($"{CertificateAuthority.KeyPath(scratch.Path)} does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_KeyOfAnotherCa_Refused()
    {
        using var scratch = new ScratchPath();
        CertificateAuthority.Init(scratch.Combine("a"), force: false).Dispose();
        CertificateAuthority.Init(scratch.Combine("b"), force: false).Dispose();
        File.Copy(CertificateAuthority.KeyPath(scratch.Combine("b")), CertificateAuthority.KeyPath(scratch.Combine("a")), overwrite: true);

        var ex = Assert.Throws<PkiException>(() => CertificateAuthority.Open(scratch.Combine("a")));

        Assert.Contains("is not the key of", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IssueTo_Defaults_ThreeFilesWithTheDocumentedProfile()
    {
        using var scratch = new ScratchPath();
        using var ca = CertificateAuthority.Init(scratch.Combine("ca"), force: false, TestPki.ClockAt(TestPki.Epoch));
        string output = scratch.Combine("h1");

        var issued = ca.IssueTo(output, IssueRequest.For(PeerIdentity.Nve("h1"), ["h1.example.net", "192.0.2.1", "2001:db8::1"]), force: false);

        Assert.Equal([Path.Combine(output, "cert.pem"), Path.Combine(output, "key.pem"), Path.Combine(output, "ca.pem")], [issued.CertificatePath, issued.KeyPath, issued.AuthorityPath]);
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(issued.KeyPath));
        using var cert = X509Certificate2.CreateFromPemFile(issued.CertificatePath, issued.KeyPath);
        Assert.Equal("CN=h1, OU=nve", cert.Subject);
        Assert.Equal(issued.Subject, cert.Subject);
        Assert.Equal(ca.Certificate.Subject, cert.Issuer);
        Assert.Equal(PeerIdentity.Nve("h1"), PeerIdentity.FromCertificate(cert));
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["h1.example.net"], san.EnumerateDnsNames());
        Assert.Equal([IPAddress.Parse("192.0.2.1"), IPAddress.Parse("2001:db8::1")], san.EnumerateIPAddresses());
        var usages = cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value);
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], usages);
        Assert.False(cert.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(16, cert.SerialNumberBytes.Length);
        Assert.Equal(TestPki.Epoch.AddMinutes(-5), issued.NotBefore);
        Assert.Equal(TestPki.Epoch.AddMinutes(-5).AddDays(365), issued.NotAfter);
        using var key = cert.GetECDsaPrivateKey()!;
        Assert.Equal(256, key.KeySize);
        Assert.Equal(ca.Certificate.RawData, X509Certificate2.CreateFromPem(File.ReadAllText(issued.AuthorityPath)).RawData);
    }

    [Fact]
    public void IssueTo_TwoIssues_DifferentSerialNumbersAndKeys()
    {
        using var ca = TestPki.NewAuthority();
        using var a = ca.Issue(new IssueRequest { Identity = PeerIdentity.Nve("h1") });
        using var b = ca.Issue(new IssueRequest { Identity = PeerIdentity.Nve("h1") });

        Assert.NotEqual(a.SerialNumber, b.SerialNumber);
        Assert.NotEqual(a.GetPublicKey(), b.GetPublicKey());
    }

    [Fact]
    public void IssueTo_FilesExist_RefusesAndChangesNothing()
    {
        using var scratch = new ScratchPath();
        using var ca = CertificateAuthority.Init(scratch.Combine("ca"), force: false);
        var first = ca.IssueTo(scratch.Combine("out"), IssueRequest.For(PeerIdentity.Nve("h1"), []), force: false);
        string key = File.ReadAllText(first.KeyPath);

        var ex = Assert.Throws<PkiException>(() => ca.IssueTo(scratch.Combine("out"), IssueRequest.For(PeerIdentity.Nve("h2"), []), force: false));

        Assert.Contains("cert.pem", ex.Message, StringComparison.Ordinal);
        Assert.Contains("key.pem", ex.Message, StringComparison.Ordinal);
        Assert.Equal(key, File.ReadAllText(first.KeyPath));
    }

    [Fact]
    public void IssueTo_ForceOverAReadableKey_NewKeyIsOwnerOnly()
    {
        using var scratch = new ScratchPath();
        using var ca = CertificateAuthority.Init(scratch.Combine("ca"), force: false);
        var first = ca.IssueTo(scratch.Combine("out"), IssueRequest.For(PeerIdentity.Nve("h1"), []), force: false);
        File.SetUnixFileMode(first.KeyPath, OwnerReadWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var second = ca.IssueTo(scratch.Combine("out"), IssueRequest.For(PeerIdentity.Nve("h2"), []), force: true);

        // A new file took the old one's place: it never had the old, readable mode.
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(second.KeyPath));
        using var cert = X509Certificate2.CreateFromPemFile(second.CertificatePath, second.KeyPath);
        Assert.Equal(PeerIdentity.Nve("h2"), PeerIdentity.FromCertificate(cert));
    }

    [Theory]
    [InlineData("1.2", "neither an IP address")]
    [InlineData("-bad.example", "neither an IP address")]
    [InlineData("fe80::1%eth0", "neither an IP address")]
    [InlineData("a b", "neither an IP address")]
    public void Issue_BadSan_ArgumentException(string san, string reason)
    {
        using var ca = TestPki.NewAuthority();

        var ex = Assert.Throws<ArgumentException>(() => ca.Issue(new IssueRequest { Identity = PeerIdentity.Nve("h1"), SubjectAlternativeNames = [san] }));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3651)]
    public void For_DaysOutOfRange_ArgumentException(int days) =>
        Assert.Contains("1 to 3650 days", Assert.Throws<ArgumentException>(() => IssueRequest.For(PeerIdentity.Nve("h1"), [], days)).Message, StringComparison.Ordinal);

    [Fact]
    public void Issue_OutlivesTheCa_SaysHowManyDaysAreLeft()
    {
        var clock = TestPki.ClockAt(TestPki.Epoch);
        using var ca = CertificateAuthority.Create(clock);
        clock.SetUtcNow(TestPki.Epoch.AddYears(10).AddDays(-100));

        var ex = Assert.Throws<ArgumentException>(() => ca.Issue(IssueRequest.For(PeerIdentity.Nve("h1"), [], 365)));

        Assert.Contains("would outlive the CA", ex.Message, StringComparison.Ordinal);
        Assert.Contains("at most 100 days", ex.Message, StringComparison.Ordinal);
        using var shorter = ca.Issue(IssueRequest.For(PeerIdentity.Nve("h1"), [], 100));
    }

    [Fact]
    public void Issue_DaysOption_ValidThatLong()
    {
        using var ca = TestPki.NewAuthority();

        using var cert = ca.Issue(IssueRequest.For(PeerIdentity.Operator("alice"), [], days: 30));

        Assert.Equal(TimeSpan.FromDays(30), cert.NotAfter - cert.NotBefore);
        Assert.Equal("CN=alice, OU=operator", cert.Subject);
    }
}
