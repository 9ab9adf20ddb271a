using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace Nvo3.Cli;

/// <summary>
/// How <c>nva serve</c> and <c>nve run</c> run: as one <see cref="DaemonService"/> on the .NET
/// Generic Host. The daemon's start (open the store, listen, register) is the host's start; once
/// it returned, systemd hears READY=1; Ctrl+C or SIGTERM (System.CommandLine cancels the token)
/// stops the host, systemd hears STOPPING=1 and what the start made is disposed. A start that
/// fails throws its own exception, for <see cref="Cli.Handle"/> to turn into one line.
/// </summary>
internal static class DaemonHost
{
    /// <summary>
    /// True when this process runs as a systemd service (its parent is systemd, or its output goes to
    /// the journal, which sets <c>$JOURNAL_STREAM</c>): logs then take journald's form.
    /// </summary>
    public static bool UnderSystemd =>
        SystemdHelpers.IsSystemdService() || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM"));

    /// <summary>
    /// Runs <paramref name="start"/> as the host's one service until <paramref name="cancellationToken"/>
    /// fires; then prints "<paramref name="name"/>: stopping." and disposes what it returned. Returns the exit code (0).
    /// </summary>
    public static async Task<int> RunAsync(string name, ILoggerFactory logging, Func<CancellationToken, Task<IAsyncDisposable>> start, CancellationToken cancellationToken)
    {
        // System.CommandLine hooks SIGTERM and SIGINT only once the action's synchronous part has
        // returned, and a start that never awaits (a memory store) serves before that: a SIGTERM
        // then reached only Kestrel's own handler and the process served on, stoppable by SIGKILL
        // only (DaemonHostTests under load; a core dump showed the one handler). So the daemon
        // hooks them itself before it starts anything.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        cancellationToken = stop.Token;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // A signal as the daemon ended: nothing left to stop.
            }
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = name });
        builder.Services.AddSingleton(logging);
        // System.CommandLine already turns Ctrl+C and SIGTERM into the token; a second handler (the
        // default ConsoleLifetime) would race it for the same signals.
        builder.Services.AddSingleton<IHostLifetime, TokenLifetime>();
        builder.Services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
        // The start gets the command's token itself, so Ctrl+C during a slow start (an etcd that
        // does not answer) ends it; the host's start is not given it, so a token cancelled while the
        // host finishes starting cannot leave our service started but never stopped.
        builder.Services.AddHostedService(services => new DaemonService(name, _ => start(cancellationToken), services.GetRequiredService<ISystemdNotifier>()));
        using var host = builder.Build();
        try
        {
            await host.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
        }
        await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        return Cli.Ok;
    }

    // The host's lifetime is the command's token: nothing to wait for, nothing to hook.
    private sealed class TokenLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
