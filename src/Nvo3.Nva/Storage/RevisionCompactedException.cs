namespace Nvo3.Nva.Storage;

/// <summary>
/// A watch asked for history the store no longer keeps. The watcher must list the current state
/// and watch again from the revision of that list plus one (a resync).
/// </summary>
public sealed class RevisionCompactedException : Exception
{
    /// <summary>Creates the exception for a watch from <paramref name="requested"/>.</summary>
    public RevisionCompactedException(long requested, long compacted)
        : base($"Revision {requested} is compacted (history is kept after revision {compacted}); list and watch again.")
    {
        RequestedRevision = requested;
        CompactedRevision = compacted;
    }

    /// <summary>The revision the watch asked for.</summary>
    public long RequestedRevision { get; }

    /// <summary>The newest revision that was compacted away.</summary>
    public long CompactedRevision { get; }
}
