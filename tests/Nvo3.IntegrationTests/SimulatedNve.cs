using System.Diagnostics;
using Nvo3.Nva;
using Nvo3.Nva.Client;

namespace Nvo3.IntegrationTests;

/// <summary>
/// The directory side of an NVE, simulated with the NVA client alone: it registers with a lease,
/// renews it twice a second, and follows its network with a <see cref="DirectoryView"/>, against
/// every NVA replica in turn. It notes when each renewal succeeded, so a test can tell how long
/// it was cut off. (The data plane, with its probes, is the real NVE's, being rewritten.)
/// </summary>
internal sealed class SimulatedNve : IAsyncDisposable
{
    private static readonly TimeSpan RenewEvery = TimeSpan.FromMilliseconds(500);
    private readonly NvaClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<long> _renewals = [];
    private Task _renewing = Task.CompletedTask;
    private Task _viewing = Task.CompletedTask;

    public SimulatedNve(string name, UnderlayEndpoint underlay, IReadOnlyList<Uri> nvas, uint vni)
    {
        Name = name;
        Underlay = underlay;
        _client = new NvaClient(nvas);
        View = new DirectoryView(_client, name);
        View.Follow([vni]);
    }

    public string Name { get; }

    public UnderlayEndpoint Underlay { get; }

    public DirectoryView View { get; }

    /// <summary>Renewals the NVA answered as a revival (it had taken the NVE for dead).</summary>
    public int Revivals { get; private set; }

    /// <summary>Registers with <paramref name="lease"/>, then renews and follows in the background.</summary>
    public async Task StartAsync(TimeSpan lease)
    {
        await _client.RegisterAsync(Name, [Underlay], null, lease, null);
        await View.LoadAsync();
        _viewing = View.RunAsync(_stop.Token);
        _renewing = Task.Run(RenewAsync);
    }

    /// <summary>The first successful renewal at or after <paramref name="timestamp"/> (Stopwatch ticks), or null.</summary>
    public long? FirstRenewalAfter(long timestamp)
    {
        lock (_renewals)
        {
            int i = _renewals.FindIndex(t => t >= timestamp);
            return i < 0 ? null : _renewals[i];
        }
    }

    private async Task RenewAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var renewal = await _client.RenewAsync(Name, _stop.Token);
                lock (_renewals)
                {
                    _renewals.Add(Stopwatch.GetTimestamp());
                }
                if (renewal.WasDown is not null)
                {
                    Revivals++;
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (NvaException) when (!_stop.IsCancellationRequested)
            {
                // Every replica away for the moment: the next tick tries again.
            }
            try
            {
                await Task.Delay(RenewEvery, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_renewing, _viewing);
        _client.Dispose();
        _stop.Dispose();
    }
}
