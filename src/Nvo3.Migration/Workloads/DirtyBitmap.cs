using System.Numerics;

namespace Nvo3.Migration;

/// <summary>
/// One bit per page or block: set by every write, taken (read and cleared) by a transfer round.
/// Writers set bits with <see cref="Interlocked.Or(ref ulong, ulong)"/> after their data is in
/// place; a round clears a word with <see cref="Interlocked.Exchange(ref ulong, ulong)"/> before
/// it reads the data. So a write that a round's read may have missed always leaves its bit set
/// for the next round: no update is lost while the workload runs.
/// </summary>
public sealed class DirtyBitmap
{
    private readonly ulong[] _words;

    /// <summary>A bitmap of <paramref name="length"/> clear bits.</summary>
    public DirtyBitmap(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        _words = new ulong[(length + 63) / 64];
    }

    /// <summary>How many pages or blocks it tracks.</summary>
    public int Length { get; }

    /// <summary>Marks one unit dirty.</summary>
    public void Set(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Length, nameof(index));
        Interlocked.Or(ref _words[index >> 6], 1UL << (index & 63));
    }

    /// <summary>Marks the units <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 dirty.</summary>
    public void SetRange(int first, int count)
    {
        for (int i = first; i < first + count; i++)
        {
            Set(i);
        }
    }

    /// <summary>Marks every unit dirty: what round 0 of a pre-copy sends.</summary>
    public void SetAll()
    {
        for (int w = 0; w < _words.Length; w++)
        {
            int bits = Math.Min(64, Length - w * 64);
            Interlocked.Or(ref _words[w], bits == 64 ? ulong.MaxValue : (1UL << bits) - 1);
        }
    }

    /// <summary>True when the unit is dirty.</summary>
    public bool IsSet(int index) => (Volatile.Read(ref _words[index >> 6]) & (1UL << (index & 63))) != 0;

    /// <summary>How many units are dirty now (a moment's count while writers run).</summary>
    public int Count()
    {
        int n = 0;
        for (int w = 0; w < _words.Length; w++)
        {
            n += BitOperations.PopCount(Volatile.Read(ref _words[w]));
        }
        return n;
    }

    /// <summary>Clears every bit.</summary>
    public void Clear()
    {
        for (int w = 0; w < _words.Length; w++)
        {
            Volatile.Write(ref _words[w], 0);
        }
    }

    /// <summary>Takes the dirty units: appends their indices in ascending order to <paramref name="into"/>, clears them, and returns how many.</summary>
    public int Take(List<int> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        int taken = 0;
        for (int w = 0; w < _words.Length; w++)
        {
            if (Volatile.Read(ref _words[w]) == 0)
            {
                continue;
            }
            ulong bits = Interlocked.Exchange(ref _words[w], 0);
            while (bits != 0)
            {
                int bit = BitOperations.TrailingZeroCount(bits);
                into.Add(w * 64 + bit);
                bits &= bits - 1;
                taken++;
            }
        }
        return taken;
    }
}
