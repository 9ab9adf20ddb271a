using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Nvo3.Migration;

/// <summary>
/// The emulated workload's activity: while the workload runs, a background loop writes random
/// data to random pages and disk blocks at the configured rates, scaled down by the workload's
/// <see cref="Workload.Throttle"/>, and counts a tick in the device state. Every write goes
/// through the workload's gate, so the moment the workload pauses the writing stops; the loop
/// then idles until it runs again (or ends with <see cref="DisposeAsync"/>).
/// </summary>
public sealed partial class Dirtier : IAsyncDisposable
{
    private readonly Workload _workload;
    private readonly DirtierSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Random _random;
    private readonly byte[] _chunk;
    private readonly byte[] _tick = new byte[8];
    private long _ticks;
    private double _owedMemory;
    private double _owedDisk;
    private long _memoryBytes;
    private long _diskBytes;

    /// <summary>Its rates.</summary>
    public DirtierSettings Settings => _settings;

    /// <summary>Starts dirtying <paramref name="workload"/>.</summary>
    public Dirtier(Workload workload, DirtierSettings? settings = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
        : this(workload, settings, timeProvider, loggerFactory, start: true)
    {
    }

    internal Dirtier(Workload workload, DirtierSettings? settings, TimeProvider? timeProvider, ILoggerFactory? loggerFactory, bool start)
    {
        ArgumentNullException.ThrowIfNull(workload);
        _workload = workload;
        _settings = settings ?? new DirtierSettings();
        if (_settings.MemoryWriteBytes is <= 0 or > Workload.PageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), _settings.MemoryWriteBytes, $"MemoryWriteBytes must be 1 to {Workload.PageSize}.");
        }
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<Dirtier>();
        _random = new Random(_settings.Seed);
        _chunk = new byte[Math.Max(_settings.MemoryWriteBytes, workload.Disk.UnitSize)];
        _loop = start ? Task.Run(() => RunAsync(_stop.Token)) : Task.CompletedTask;
    }

    /// <summary>Memory dirtied so far, counted in whole pages.</summary>
    public long MemoryBytesDirtied => Interlocked.Read(ref _memoryBytes);

    /// <summary>Disk bytes written so far.</summary>
    public long DiskBytesWritten => Interlocked.Read(ref _diskBytes);

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        long last = _time.GetTimestamp();
        try
        {
            while (true)
            {
                await Task.Delay(_settings.Tick, _time, cancellationToken).ConfigureAwait(false);
                long now = _time.GetTimestamp();
                var elapsed = _time.GetElapsedTime(last, now);
                last = now;
                Step(elapsed < _settings.MaxCatchUp ? elapsed : _settings.MaxCatchUp);
                await _workload.FlushWritesAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // A failed flush (a hot standby that broke) ends the activity; the workload itself stays as it is.
            LogFailed(_logger, _workload.Name, ex);
        }
    }

    /// <summary>
    /// One tick: writes what the rates owe for <paramref name="elapsed"/> of running time, scaled
    /// by the throttle. A workload that does not run owes nothing (its time does not pass).
    /// The loop calls it; tests call it directly instead of waiting for timers.
    /// </summary>
    internal void Step(TimeSpan elapsed)
    {
        lock (_random)
        {
            if (_workload.State != WorkloadState.Running)
            {
                _owedMemory = _owedDisk = 0;
                return;
            }
            double share = 1 - _workload.Throttle;
            double seconds = elapsed.TotalSeconds;
            _owedMemory += _settings.MemoryRate * share * seconds;
            _owedDisk += _workload.Disk.UnitCount > 0 ? _settings.DiskRate * share * seconds : 0;
            bool running = WriteMemory(_random, _chunk, ref _owedMemory) && WriteDisk(_random, _chunk, ref _owedDisk);
            if (running && _workload.DeviceState.Length >= 8)
            {
                BinaryPrimitives.WriteInt64LittleEndian(_tick, ++_ticks);
                _workload.TryWriteDeviceState(0, _tick);
            }
        }
    }

    private bool WriteMemory(Random random, byte[] chunk, ref double owed)
    {
        var memory = _workload.Memory;
        int size = _settings.MemoryWriteBytes;
        while (owed >= Workload.PageSize)
        {
            long page = random.Next(memory.UnitCount);
            int within = random.Next(Workload.PageSize - size + 1);
            random.NextBytes(chunk.AsSpan(0, size));
            if (!_workload.TryWriteMemory(page * Workload.PageSize + within, chunk.AsSpan(0, size)))
            {
                owed = 0;
                return false;
            }
            owed -= Workload.PageSize;
            Interlocked.Add(ref _memoryBytes, Workload.PageSize);
        }
        return true;
    }

    private bool WriteDisk(Random random, byte[] chunk, ref double owed)
    {
        var disk = _workload.Disk;
        int size = disk.UnitSize;
        while (owed >= size)
        {
            long block = random.Next(disk.UnitCount);
            random.NextBytes(chunk.AsSpan(0, size));
            if (!_workload.TryWriteDisk(block * size, chunk.AsSpan(0, size)))
            {
                owed = 0;
                return false;
            }
            owed -= size;
            Interlocked.Add(ref _diskBytes, size);
        }
        return true;
    }

    /// <summary>Ends the activity and waits for the loop.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(1, LogLevel.Warning, "The activity of '{Workload}' ended with an error")]
    private static partial void LogFailed(ILogger logger, string workload, Exception exception);
}
