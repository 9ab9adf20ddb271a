namespace Nvo3.Cli;

/// <summary>
/// Where nvo3 keeps state when no path is given (the NVA's SQLite file): never the working
/// directory, which for a service is / and for a person wherever they happened to be.
/// </summary>
internal static class StateDirectory
{
    /// <summary>
    /// <c>$STATE_DIRECTORY</c> (set by systemd's <c>StateDirectory=</c>; its first path); else
    /// <c>/var/lib/nvo3</c> for root; else <c>$XDG_STATE_HOME/nvo3</c>, by default <c>~/.local/state/nvo3</c>
    /// (<c>/tmp/nvo3-USER/nvo3</c> without a home). Relative values of the variables are ignored.
    /// </summary>
    public static string Resolve()
    {
        // Only absolute paths count: a relative one (set by hand) would be the working directory again.
        if (Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } systemd && Path.IsPathRooted(systemd.Split(':')[0]))
        {
            return systemd.Split(':')[0];
        }
        if (Environment.IsPrivilegedProcess)
        {
            return "/var/lib/nvo3";
        }
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } state && Path.IsPathRooted(state)
            ? state
            : Path.IsPathRooted(home)
                ? Path.Combine(home, ".local", "state")
                : Path.Combine(Path.GetTempPath(), $"nvo3-{Environment.UserName}"); // no home (HOME unset): never the working directory
        return Path.Combine(xdg, "nvo3");
    }

    /// <summary>The NVA's default store: <c>sqlite:STATE/nva.db</c> (the folder is made when the store opens).</summary>
    public static string DefaultNvaStore() => "sqlite:" + Path.Combine(Resolve(), "nva.db");
}
