namespace Nvo3.Security.Tests;

/// <summary>The command-line rule. One class: it sets the process's NVO3_TLS_DIR, so it runs alone.</summary>
[Collection(EnvironmentCollection.Name)]
public class TransportSecurityTests
{
    [Fact]
    public void FromOptions_TheRule()
    {
        using var scratch = new ScratchPath();
        using var ca = CertificateAuthority.Init(scratch.Combine("ca"), force: false);
        ca.IssueTo(scratch.Combine("h1"), IssueRequest.For(PeerIdentity.Nve("h1"), []), force: false);
        string? saved = Environment.GetEnvironmentVariable(TlsMaterial.DirectoryVariable);
        try
        {
            Environment.SetEnvironmentVariable(TlsMaterial.DirectoryVariable, null);
            Assert.Equal(TransportSecurity.Unspecified, TransportSecurity.FromOptions(null, insecure: false));
            Assert.Equal(TransportSecurity.Insecure, TransportSecurity.FromOptions(null, insecure: true));
            Assert.Contains("contradict", Assert.Throws<ArgumentException>(() => TransportSecurity.FromOptions(scratch.Combine("h1"), insecure: true)).Message, StringComparison.Ordinal);
            var explicitDir = TransportSecurity.FromOptions(scratch.Combine("h1"), insecure: false);
            Assert.Equal(TransportSecurityMode.MutualTls, explicitDir.Mode);
            Assert.Equal("mutual TLS as nvo3://nve/h1", explicitDir.ToString());

            Environment.SetEnvironmentVariable(TlsMaterial.DirectoryVariable, scratch.Combine("h1"));
            Assert.Equal(PeerIdentity.Nve("h1"), TransportSecurity.FromOptions(null, insecure: false).Tls!.Identity);
            // An explicit --insecure wins over the environment.
            Assert.Equal(TransportSecurity.Insecure, TransportSecurity.FromOptions(null, insecure: true));

            Environment.SetEnvironmentVariable(TlsMaterial.DirectoryVariable, scratch.Combine("nowhere"));
            Assert.Throws<PkiException>(() => TransportSecurity.FromOptions(null, insecure: false));
        }
        finally
        {
            Environment.SetEnvironmentVariable(TlsMaterial.DirectoryVariable, saved);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Process environment";
}
