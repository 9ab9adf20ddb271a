namespace Nvo3.Cli;

/// <summary>
/// Where nvo3 keeps state when no path is given (the NVA's SQLite file): never the working
/// directory, which for a service is / and for a person wherever they happened to be.
/// </summary>
internal static class StateDirectory
{
    /// <summary>
    /// <c>$STATE_DIRECTORY</c> (set by systemd's <c>StateDirectory=</c>; its first path); else
    /// <c>/var/lib/nvo3</c> for root; else <c>$XDG_STATE_HOME/nvo3</c>, by default <c>~/.local/state/nvo3</c>.
    /// </summary>
    public static string Resolve()
    {
        if (Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } systemd)
        {
            return systemd.Split(':')[0];
        }
        if (Environment.IsPrivilegedProcess)
        {
            return "/var/lib/nvo3";
        }
        string xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } state && Path.IsPathRooted(state)
            ? state
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(xdg, "nvo3");
    }

    /// <summary>The NVA's default store: <c>sqlite:STATE/nva.db</c> (the folder is made when the store opens).</summary>
    public static string DefaultNvaStore() => "sqlite:" + Path.Combine(Resolve(), "nva.db");
}
