using Nvo3.Security;

namespace Nvo3.Lab;

/// <summary>
/// A throw-away CA for one in-process lab, in memory: the NVA's certificate (its SANs the loopback
/// addresses), an operator's for the lab itself, and one per NVE as it starts. Gone with the lab.
/// </summary>
internal sealed class LabPki : IDisposable
{
    private readonly CertificateAuthority _ca = CertificateAuthority.Create();
    private readonly List<TlsMaterial> _issued = [];

    public LabPki()
    {
        Nva = Issue(PeerIdentity.Nva("lab-nva"), "127.0.0.1", "::1", "localhost");
        Operator = Issue(PeerIdentity.Operator("lab"));
    }

    /// <summary>The NVA's certificate.</summary>
    public TlsMaterial Nva { get; }

    /// <summary>The lab's own: an operator's.</summary>
    public TlsMaterial Operator { get; }

    /// <summary>A certificate for NVE <paramref name="name"/>.</summary>
    public TlsMaterial Nve(string name) => Issue(PeerIdentity.Nve(name));

    private TlsMaterial Issue(PeerIdentity identity, params string[] sans)
    {
        var material = _ca.IssueMaterial(new IssueRequest { Identity = identity, SubjectAlternativeNames = sans });
        lock (_issued)
        {
            _issued.Add(material);
        }
        return material;
    }

    public void Dispose()
    {
        foreach (var material in _issued)
        {
            material.Dispose();
        }
        _ca.Dispose();
    }
}
