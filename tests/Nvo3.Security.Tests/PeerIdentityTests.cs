using System.Security.Cryptography.X509Certificates;
using CsCheck;

namespace Nvo3.Security.Tests;

public class PeerIdentityTests
{
    [Theory]
    [InlineData("nvo3://nve/h1", PeerRole.Nve, "h1")]
    [InlineData("nvo3://nva/nva-1", PeerRole.Nva, "nva-1")]
    [InlineData("nvo3://operator/alice_B.2", PeerRole.Operator, "alice_B.2")]
    [InlineData("nvo3://nve/..", PeerRole.Nve, "..")]
    public void Parse_WellFormed_RoleAndNameAndSameText(string text, PeerRole role, string name)
    {
        var identity = PeerIdentity.Parse(text);

        Assert.Equal(new PeerIdentity(role, name), identity);
        Assert.Equal(text, identity.ToString());
        // A name of dots stays a name: the URI is not resolved as a path.
        Assert.Equal(text, identity.ToUri().AbsoluteUri);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("https://nve/h1", "is not an identity")]
    [InlineData("NVO3://nve/h1", "is not an identity")]
    [InlineData("nvo3://nve", "has no name")]
    [InlineData("nvo3://NVE/h1", "the roles are nva, nve and operator")]
    [InlineData("nvo3://admin/h1", "the roles are nva, nve and operator")]
    [InlineData("nvo3://nve/", "a name is 1 to 64")]
    [InlineData("nvo3://nve/h1/", "a name is 1 to 64")]
    [InlineData("nvo3://nve/h1?x=1", "a name is 1 to 64")]
    [InlineData("nvo3://nve:80/h1", "the roles are")]
    [InlineData("nvo3://nve/h 1", "a name is 1 to 64")]
    [InlineData("nvo3://nve/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "a name is 1 to 64")]
    public void TryParse_Malformed_FalseWithTheReason(string text, string reason)
    {
        Assert.False(PeerIdentity.TryParse(text, out var identity, out string? error));
        Assert.Null(identity);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Equal(error, Assert.Throws<FormatException>(() => PeerIdentity.Parse(text)).Message);
    }

    [Theory]
    [InlineData("h1", true)]
    [InlineData("a.b-c_D9", true)]
    [InlineData("", false)]
    [InlineData(" ", false)]
    [InlineData("é", false)]
    [InlineData("a/b", false)]
    [InlineData("a:b", false)]
    public void NameRule_TheNvasRule(string name, bool valid)
    {
        Assert.Equal(valid, NameRule.IsValid(name));
        Assert.True(NameRule.IsValid(new string('x', 64)));
        Assert.False(NameRule.IsValid(new string('x', 65)));
    }

    [Fact]
    public void Constructor_BadName_ThrowsArgumentExceptionSayingTheRule()
    {
        var ex = Assert.Throws<ArgumentException>(() => PeerIdentity.Nve("h/1"));

        Assert.Contains("1 to 64 letters, digits", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nva", PeerRole.Nva)]
    [InlineData("nve", PeerRole.Nve)]
    [InlineData("operator", PeerRole.Operator)]
    public void ParseRole_Known_RoundTrips(string text, PeerRole role)
    {
        Assert.Equal(role, PeerIdentity.ParseRole(text));
        Assert.Equal(text, PeerIdentity.RoleName(role));
    }

    [Fact]
    public void ParseRole_Unknown_SaysWhatToWrite() =>
        Assert.Contains("write nva, nve or operator", Assert.Throws<ArgumentException>(() => PeerIdentity.ParseRole("Admin")).Message, StringComparison.Ordinal);

    [Fact]
    public void TryFromCertificate_Issued_TheIdentity()
    {
        using var ca = TestPki.NewAuthority();
        using var certificate = ca.Issue(new IssueRequest { Identity = PeerIdentity.Nve("h1"), SubjectAlternativeNames = ["h1.example.net", "192.0.2.1"] });

        Assert.Equal(PeerIdentity.Nve("h1"), PeerIdentity.FromCertificate(certificate));
    }

    [Fact]
    public void TryFromCertificate_NoSan_SaysIssueWithPki()
    {
        using var ca = TestPki.NewAuthority();
        using var certificate = TestPki.Odd(ca, _ => { });

        Assert.False(PeerIdentity.TryFromCertificate(certificate, out _, out string? error));
        Assert.Contains("no subject alternative names", error, StringComparison.Ordinal);
        Assert.Contains("nvo3 pki issue", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "https://example.net/" }, "carries no nvo3://ROLE/NAME identity")]
    [InlineData(new[] { "nvo3://nve/h1", "nvo3://nve/h2" }, "carries 2 nvo3:// identities")]
    [InlineData(new[] { "nvo3://root/h1" }, "the roles are nva, nve and operator")]
    public void TryFromCertificate_OtherUris_FalseWithTheReason(string[] uris, string reason)
    {
        using var ca = TestPki.NewAuthority();
        using var certificate = TestPki.Odd(ca, r =>
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (string uri in uris)
            {
                san.AddUri(new Uri(uri));
            }
            r.CertificateExtensions.Add(san.Build());
        });

        Assert.False(PeerIdentity.TryFromCertificate(certificate, out var identity, out string? error));
        Assert.Null(identity);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Contains("CN=odd", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryFromCertificate_MalformedSanExtension_FalseNotAThrow()
    {
        using var ca = TestPki.NewAuthority();
        using var certificate = TestPki.Odd(ca, r => r.CertificateExtensions.Add(new X509Extension("2.5.29.17", [0x30, 0x05, 0x86, 0x09, 0x41], false)));

        Assert.False(PeerIdentity.TryFromCertificate(certificate, out _, out string? error));
        Assert.Contains("malformed", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_AnyText_NeverThrows() =>
        Gen.OneOf(Gen.String, Gen.String.Select(s => "nvo3://" + s), Gen.String.Select(s => "nvo3://nve/" + s)).Sample(text =>
        {
            bool ok = PeerIdentity.TryParse(text, out var identity, out string? error);
            Assert.Equal(ok, error is null);
            Assert.Equal(ok, identity is not null && identity.ToString() == text);
        }, iter: 20_000);

    [Fact]
    public void TryReadUris_AnyBytes_NeverThrows() =>
        Gen.OneOf(Gen.Byte.Array[0, 80], Gen.Byte.Array[0, 60].Select(b => (byte[])[0x30, (byte)b.Length, .. b]), Gen.Byte.Array[0, 60].Select(b => (byte[])[0x30, (byte)(b.Length + 2), 0x86, (byte)b.Length, .. b]))
            .Sample(bytes =>
            {
                bool ok = SubjectAlternativeNames.TryReadUris(bytes, out _, out string? error);
                Assert.Equal(ok, error is null);
            }, iter: 20_000);
}
