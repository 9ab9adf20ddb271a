using System.Globalization;
using Nvo3.Qemu.Qmp;
using Nvo3.Qemu.Vm;

namespace Nvo3.Qemu.Migration;

/// <summary>A destination QEMU in this process, driven over its QMP socket; it listens on <paramref name="host"/> (ports 0: free ones).</summary>
public sealed class LocalQemuDestination(QemuVm vm, string host = "127.0.0.1", int port = 0, int diskPort = 0) : IQemuDestination
{
    private bool _exported;

    /// <summary>The QEMU waiting for the guest.</summary>
    public QemuVm Vm => vm;

    /// <inheritdoc />
    public string Name => vm.Name;

    /// <inheritdoc />
    public async Task<QemuIncoming> ListenAsync(QemuListenRequest request, CancellationToken cancellationToken)
    {
        var qmp = vm.Qmp;
        await qmp.SetMigrationCapabilitiesAsync(QemuMigration.CapabilitiesFor(request.PauseBeforeSwitchover, request.AutoConverge), cancellationToken).ConfigureAwait(false);
        int nbd = 0;
        if (request.ExportDisk)
        {
            nbd = diskPort == 0 ? QemuMigration.FreePort(host) : diskPort;
            await qmp.NbdServerStartAsync(host, nbd, cancellationToken).ConfigureAwait(false);
            await qmp.BlockExportAddAsync("nvo3-export", QemuCommandLine.DiskNode, QemuMigration.ExportName, writable: true, cancellationToken).ConfigureAwait(false);
            _exported = true;
        }
        int stream = port == 0 ? QemuMigration.FreePort(host) : port;
        string uri = $"tcp:{QemuMigration.FormatHost(host)}:{stream.ToString(CultureInfo.InvariantCulture)}";
        await qmp.MigrateIncomingAsync(uri, cancellationToken).ConfigureAwait(false);
        return new QemuIncoming(uri, request.ExportDisk ? host : null, nbd);
    }

    /// <inheritdoc />
    public async Task CompleteAsync(bool continueGuest, CancellationToken cancellationToken)
    {
        while (true)
        {
            var incoming = await vm.Qmp.QueryMigrateAsync(cancellationToken).ConfigureAwait(false);
            if (incoming.Status == MigrationStatus.Completed)
            {
                break;
            }
            if (incoming.Status is MigrationStatus.Failed or MigrationStatus.Cancelled)
            {
                throw new QemuMigrationException($"The destination {vm.Name} reports the incoming migration {incoming.Status}: {incoming.ErrorDescription}", incoming.Status);
            }
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
        if (_exported)
        {
            await vm.Qmp.NbdServerStopAsync(cancellationToken).ConfigureAwait(false);
            _exported = false;
        }
        if (continueGuest)
        {
            await vm.Qmp.ContinueAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
