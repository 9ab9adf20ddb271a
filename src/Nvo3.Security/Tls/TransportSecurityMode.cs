namespace Nvo3.Security;

/// <summary>How a server or client protects its channel.</summary>
public enum TransportSecurityMode
{
    /// <summary>
    /// Nothing said: served as plain text, quietly, as before issue 16. Once every client can do
    /// TLS this becomes an error ("give --tls-dir or --insecure"), so no caller should rely on it.
    /// </summary>
    Unspecified,

    /// <summary>Plain text because the operator asked for it (<c>--insecure</c>); a warning is logged.</summary>
    Insecure,

    /// <summary>Mutual TLS with certificates from the overlay's CA.</summary>
    MutualTls,
}
