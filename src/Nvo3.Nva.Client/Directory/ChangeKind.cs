namespace Nvo3.Nva;

/// <summary>What a <see cref="DirectoryChange"/> reports. Each ...Deleted kind directly follows its ...Put kind.</summary>
public enum ChangeKind
{
    /// <summary>Not a record (an index key).</summary>
    None,
    /// <summary>A virtual network was created or changed.</summary>
    NetworkPut,
    /// <summary>A virtual network was deleted.</summary>
    NetworkDeleted,
    /// <summary>An NVE registered, renewed or changed.</summary>
    NvePut,
    /// <summary>An NVE was removed.</summary>
    NveDeleted,
    /// <summary>A binding was created or changed.</summary>
    BindingPut,
    /// <summary>A binding was removed.</summary>
    BindingDeleted,
    /// <summary>A redirect was created or changed.</summary>
    RedirectPut,
    /// <summary>A redirect was removed.</summary>
    RedirectDeleted,
    /// <summary>A migration was created or changed.</summary>
    MigrationPut,
    /// <summary>A migration was removed.</summary>
    MigrationDeleted,
    /// <summary>The watcher fell behind what the NVA keeps: take a snapshot and watch again from its revision + 1.</summary>
    Resync,
}
