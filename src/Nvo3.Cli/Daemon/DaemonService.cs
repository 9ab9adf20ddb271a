using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace Nvo3.Cli;

/// <summary>
/// A daemon as a hosted service: <see cref="StartAsync"/> runs the daemon's start and then tells
/// systemd READY=1 (when <c>$NOTIFY_SOCKET</c> is set: the unit is <c>Type=notify</c>), so a unit
/// ordered after it starts only once the NVA listens or the NVE is registered; <see cref="StopAsync"/>
/// tells it STOPPING=1 and disposes what the start made.
/// </summary>
/// <remarks>
/// The notifications go through <see cref="SystemdNotifier"/> directly rather than UseSystemd's
/// lifetime, which switches itself on only when the parent process is systemd: a notify socket is
/// the whole protocol (sd_notify(3)), and a supervisor or a test that sets one is answered too.
/// </remarks>
internal sealed class DaemonService(string name, Func<CancellationToken, Task<IAsyncDisposable>> start, ISystemdNotifier notifier) : IHostedService
{
    private IAsyncDisposable? _running;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _running = await start(cancellationToken).ConfigureAwait(false);
        if (notifier.IsEnabled)
        {
            notifier.Notify(ServiceState.Ready);
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (notifier.IsEnabled)
        {
            notifier.Notify(ServiceState.Stopping);
        }
        Console.WriteLine($"{name}: stopping.");
        if (Interlocked.Exchange(ref _running, null) is { } running)
        {
            await running.DisposeAsync().ConfigureAwait(false);
        }
    }
}
