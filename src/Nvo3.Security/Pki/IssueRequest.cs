namespace Nvo3.Security;

/// <summary>What <see cref="CertificateAuthority.Issue"/> makes a certificate for.</summary>
public sealed record IssueRequest
{
    /// <summary>The default lifetime of an issued certificate: one year.</summary>
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(365);

    /// <summary>The longest lifetime <c>--days</c> takes: ten years, the CA's own.</summary>
    public const int MaxDays = 3650;

    /// <summary>Whose certificate: its URI SAN and its subject (<c>CN=NAME, OU=ROLE</c>).</summary>
    public required PeerIdentity Identity { get; init; }

    /// <summary>
    /// Host names and IP addresses a client may reach the holder by (<c>--san</c>): each an IP
    /// address (192.0.2.1, 2001:db8::1) or else a DNS name. Clients that pin the identity do not
    /// need them. Default none.
    /// </summary>
    public IReadOnlyList<string> SubjectAlternativeNames { get; init; } = [];

    /// <summary>How long it is valid from now. Default one year.</summary>
    public TimeSpan Validity { get; init; } = DefaultValidity;

    /// <summary>An explicit start of validity (tests: a certificate not yet valid); default five minutes ago, for clocks a little behind.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>An explicit end of validity (tests: an expired certificate); default <see cref="NotBefore"/> plus <see cref="Validity"/>.</summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>A request for <paramref name="identity"/> valid for <paramref name="days"/> days; throws <see cref="ArgumentException"/> for a lifetime out of 1 to <see cref="MaxDays"/> days.</summary>
    public static IssueRequest For(PeerIdentity identity, IReadOnlyList<string> subjectAlternativeNames, int days = 365)
    {
        if (days is < 1 or > MaxDays)
        {
            throw new ArgumentException($"--days {days} is out of range; a certificate lives 1 to {MaxDays} days.", nameof(days));
        }
        return new IssueRequest { Identity = identity, SubjectAlternativeNames = subjectAlternativeNames, Validity = TimeSpan.FromDays(days) };
    }

    /// <summary>Checks the names and the validity against the time now and the CA's; throws <see cref="ArgumentException"/> saying what is wrong.</summary>
    internal (DateTimeOffset NotBefore, DateTimeOffset NotAfter) Resolve(DateTimeOffset now, DateTimeOffset caNotBefore, DateTimeOffset caNotAfter)
    {
        ArgumentNullException.ThrowIfNull(Identity);
        foreach (string san in SubjectAlternativeNames)
        {
            Security.SubjectAlternativeNames.Validate(san);
        }
        if (Validity <= TimeSpan.Zero)
        {
            throw new ArgumentException("A certificate must be valid for some time.", nameof(Validity));
        }
        var notBefore = NotBefore ?? now.AddMinutes(-5);
        var notAfter = NotAfter ?? notBefore + Validity;
        if (notAfter <= notBefore)
        {
            throw new ArgumentException($"The certificate would end ({notAfter:u}) before it starts ({notBefore:u}).", nameof(NotAfter));
        }
        if (notBefore < caNotBefore)
        {
            notBefore = NotBefore is null ? caNotBefore : throw new ArgumentException($"The certificate cannot start ({notBefore:u}) before the CA does ({caNotBefore:u}).", nameof(NotBefore));
        }
        if (notAfter > caNotAfter)
        {
            int left = (int)Math.Floor((caNotAfter - now).TotalDays);
            throw new ArgumentException($"The certificate would outlive the CA, which expires {caNotAfter:u}; issue it for at most {Math.Max(left, 0)} days, or start a new CA.", nameof(Validity));
        }
        return (notBefore, notAfter);
    }
}
