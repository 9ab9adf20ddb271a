using Microsoft.Extensions.Logging;
using Nvo3.Nva.Storage.Etcd;
using Nvo3.Nva.Storage.Memory;
using Nvo3.Nva.Storage.Sqlite;

namespace Nvo3.Nva.Storage;

/// <summary>Opens a store from its command-line spelling: <c>memory</c>, <c>sqlite:PATH</c> or <c>etcd:URL[,URL…]</c>.</summary>
public static class DirectoryStores
{
    /// <summary>What <see cref="OpenAsync(string, CancellationToken)"/> accepts, for help texts and errors.</summary>
    public const string Syntax = "memory | sqlite:PATH | etcd:URL[,URL...]";

    private const string SqlitePrefix = "sqlite:";
    private const string EtcdPrefix = "etcd:";

    /// <summary>
    /// Opens the store named by <paramref name="spec"/>: <c>memory</c>; <c>sqlite:PATH</c> (a file,
    /// created with its folder when missing, see <see cref="SqliteStore"/>); or
    /// <c>etcd:URL[,URL…]</c> (the client URLs of the cluster's members, e.g.
    /// <c>etcd:http://10.0.0.1:2379,http://10.0.0.2:2379</c>; the port defaults to 2379; keys go
    /// under <c>/nvo3/</c>, see <see cref="EtcdStore"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The spec is malformed; the message says what to fix.</exception>
    /// <exception cref="IOException">The store cannot be opened or reached; the message says why.</exception>
    public static ValueTask<IDirectoryStore> OpenAsync(string spec, CancellationToken cancellationToken = default) =>
        OpenAsync(spec, loggerFactory: null, cancellationToken);

    /// <summary>
    /// Opens the store named by <paramref name="spec"/>, as <see cref="OpenAsync(string, CancellationToken)"/>,
    /// logging through <paramref name="loggerFactory"/> (the etcd store logs its watch reconnects).
    /// </summary>
    /// <exception cref="ArgumentException">The spec is malformed; the message says what to fix.</exception>
    /// <exception cref="IOException">The store cannot be opened or reached; the message says why.</exception>
    public static async ValueTask<IDirectoryStore> OpenAsync(string spec, ILoggerFactory? loggerFactory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        spec = spec.Trim();
        if (spec == "memory")
        {
            return new MemoryStore();
        }
        if (spec.StartsWith(SqlitePrefix, StringComparison.Ordinal))
        {
            string path = spec[SqlitePrefix.Length..];
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new ArgumentException($"'{spec}' has no path; write sqlite:PATH, e.g. sqlite:/var/lib/nvo3/nva.db.", nameof(spec));
            }
            return SqliteStore.Open(path);
        }
        if (spec.StartsWith(EtcdPrefix, StringComparison.Ordinal))
        {
            var endpoints = ParseEtcdEndpoints(spec[EtcdPrefix.Length..], spec);
            return await EtcdStore.ConnectAsync(endpoints, loggerFactory: loggerFactory, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        throw new ArgumentException($"Unknown store '{spec}'; use {Syntax}.", nameof(spec));
    }

    /// <summary>Parses the comma-separated client URLs of <c>etcd:URL[,URL…]</c>.</summary>
    internal static IReadOnlyList<Uri> ParseEtcdEndpoints(string urls, string spec)
    {
        const string Example = "etcd:http://127.0.0.1:2379[,http://HOST:PORT...]";
        if (string.IsNullOrWhiteSpace(urls))
        {
            throw new ArgumentException($"'{spec}' has no URL; write {Example}.", nameof(spec));
        }
        var endpoints = new List<Uri>();
        foreach (string part in urls.Split(','))
        {
            string text = part.Trim();
            if (text.Length == 0)
            {
                throw new ArgumentException($"'{spec}' has an empty URL between commas; write {Example}.", nameof(spec));
            }
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            {
                throw new ArgumentException($"'{text}' in '{spec}' is not an http:// or https:// URL of an etcd member; write {Example}.", nameof(spec));
            }
            if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            {
                throw new ArgumentException($"'{text}' in '{spec}' has a path, query or user part; an etcd URL is just scheme://HOST:PORT.", nameof(spec));
            }
            // "http://host" means etcd's own port, not HTTP's 80.
            string authority = text[(uri.Scheme.Length + "://".Length)..].TrimEnd('/');
            bool portGiven = authority.LastIndexOf(':') > authority.LastIndexOf(']');
            endpoints.Add(portGiven ? uri : new UriBuilder(uri) { Port = 2379 }.Uri);
        }
        return endpoints;
    }
}
