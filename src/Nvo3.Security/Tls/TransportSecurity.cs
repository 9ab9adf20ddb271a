namespace Nvo3.Security;

/// <summary>
/// The choice every server and client makes: mutual TLS with <see cref="Tls"/>, plain text because
/// the operator said <c>--insecure</c>, or nothing said (<see cref="TransportSecurityMode.Unspecified"/>,
/// plain text for now). <see cref="FromOptions"/> applies the command-line rule.
/// </summary>
public sealed record TransportSecurity
{
    private TransportSecurity(TransportSecurityMode mode, TlsMaterial? tls)
    {
        Mode = mode;
        Tls = tls;
    }

    /// <summary>The mode.</summary>
    public TransportSecurityMode Mode { get; }

    /// <summary>The certificates, with <see cref="TransportSecurityMode.MutualTls"/>; else null.</summary>
    public TlsMaterial? Tls { get; }

    /// <summary>Nothing said: plain text for now (see <see cref="TransportSecurityMode.Unspecified"/>).</summary>
    public static TransportSecurity Unspecified { get; } = new(TransportSecurityMode.Unspecified, null);

    /// <summary>Plain text, explicitly.</summary>
    public static TransportSecurity Insecure { get; } = new(TransportSecurityMode.Insecure, null);

    /// <summary>Mutual TLS with <paramref name="tls"/>.</summary>
    public static TransportSecurity MutualTls(TlsMaterial tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        return new(TransportSecurityMode.MutualTls, tls);
    }

    /// <summary>
    /// The command-line rule: <c>--tls-dir DIR</c> loads DIR; else <c>--insecure</c> is plain
    /// text; else <c>NVO3_TLS_DIR</c> names the folder when set; else nothing was said. Both
    /// options at once is an <see cref="ArgumentException"/>; a folder that does not load is a
    /// <see cref="PkiException"/>.
    /// </summary>
    public static TransportSecurity FromOptions(string? tlsDirectory, bool insecure, TimeProvider? timeProvider = null)
    {
        if (tlsDirectory is not null && insecure)
        {
            throw new ArgumentException("--tls-dir and --insecure contradict each other; give one.");
        }
        if (tlsDirectory is not null)
        {
            return MutualTls(TlsMaterial.Load(tlsDirectory, timeProvider));
        }
        if (insecure)
        {
            return Insecure;
        }
        return TlsMaterial.FromEnvironment(timeProvider) is { } tls ? MutualTls(tls) : Unspecified;
    }

    /// <summary>The mode as people read it: "mutual TLS as nvo3://nve/h1", "plain text (--insecure)", "plain text".</summary>
    public override string ToString() => Mode switch
    {
        TransportSecurityMode.MutualTls => $"mutual TLS as {Tls!.Identity}",
        TransportSecurityMode.Insecure => "plain text (--insecure)",
        _ => "plain text",
    };
}
