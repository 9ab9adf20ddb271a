namespace Nvo3.Migration.Tests;

/// <summary>
/// The source agent's clock, which dirties the workload each time the engine reads it (at least
/// once per frame sent, through the bandwidth meter): writes that keep pace with the transfer, not
/// with the wall clock, so how many rounds a move takes does not depend on how busy the machine is.
/// Dirtying stops once <see cref="StopAfterRound"/> rounds were reported.
/// </summary>
internal sealed class PacedDirtying(int pagesPerRead, int blocksPerRead) : TimeProvider
{
    private int _nextPage;
    private int _nextBlock;
    private int _reportedRounds;
    private long _pageWrites;
    private long _blockWrites;

    /// <summary>The workload it dirties; nothing before it is set.</summary>
    public Workload? Target { get; set; }

    /// <summary>How many pre-copy rounds dirty the workload; the rounds after them find nothing new.</summary>
    public int StopAfterRound { get; init; } = int.MaxValue;

    /// <summary>Page writes made while the workload ran (each dirties one page).</summary>
    public long PageWrites => Interlocked.Read(ref _pageWrites);

    /// <summary>Block writes made while the workload ran.</summary>
    public long BlockWrites => Interlocked.Read(ref _blockWrites);

    /// <summary>The progress to pass to the move: it counts the rounds reported.</summary>
    public IProgress<MigrationProgress> Progress => new InlineProgress<MigrationProgress>(p =>
    {
        if (p.Phase == Nvo3.Nva.MigrationPhase.PreCopy)
        {
            Interlocked.Exchange(ref _reportedRounds, p.Round + 1);
        }
    });

    public override long GetTimestamp()
    {
        if (Target is { } workload && Volatile.Read(ref _reportedRounds) < StopAfterRound)
        {
            Dirty(workload);
        }
        return base.GetTimestamp();
    }

    private void Dirty(Workload workload)
    {
        int pages = workload.Memory.UnitCount;
        for (int i = 0; i < pagesPerRead; i++)
        {
            long offset = (long)(Interlocked.Increment(ref _nextPage) % pages) * Workload.PageSize;
            if (workload.TryWriteMemory(offset, [(byte)offset]))
            {
                Interlocked.Increment(ref _pageWrites);
            }
        }
        int blocks = workload.Disk.UnitCount;
        for (int i = 0; i < blocksPerRead && blocks > 0; i++)
        {
            long offset = (long)(Interlocked.Increment(ref _nextBlock) % blocks) * workload.Disk.UnitSize;
            if (workload.TryWriteDisk(offset, [(byte)offset]))
            {
                Interlocked.Increment(ref _blockWrites);
            }
        }
    }
}
