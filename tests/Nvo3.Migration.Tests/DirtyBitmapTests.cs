namespace Nvo3.Migration.Tests;

public class DirtyBitmapTests
{
    [Fact]
    public void Take_SetBits_ReturnsThemInOrderAndClears()
    {
        var bitmap = new DirtyBitmap(200);
        bitmap.Set(150);
        bitmap.Set(3);
        bitmap.Set(64);
        var taken = new List<int>();
        Assert.Equal(3, bitmap.Take(taken));
        Assert.Equal([3, 64, 150], taken);
        Assert.Equal(0, bitmap.Count());
    }

    [Fact]
    public void SetAll_OddLength_SetsExactlyLength()
    {
        var bitmap = new DirtyBitmap(130);
        bitmap.SetAll();
        Assert.Equal(130, bitmap.Count());
    }

    [Fact]
    public async Task Take_ConcurrentWriters_LosesNoMark()
    {
        // Every write marks after its data; a taker that clears before it reads misses nothing:
        // whatever was marked is taken by some Take, before or after.
        var bitmap = new DirtyBitmap(4096);
        var seen = new bool[4096];
        var marked = new bool[4096];
        using var stop = new CancellationTokenSource();
        var taker = Task.Run(() =>
        {
            var list = new List<int>();
            while (!stop.IsCancellationRequested)
            {
                list.Clear();
                bitmap.Take(list);
                foreach (int i in list)
                {
                    seen[i] = true;
                }
            }
        });
        Parallel.For(0, 4, w =>
        {
            var random = new Random(w);
            for (int n = 0; n < 20_000; n++)
            {
                int i = random.Next(4096);
                Volatile.Write(ref marked[i], true);
                bitmap.Set(i);
            }
        });
        await stop.CancelAsync();
        await taker;
        var rest = new List<int>();
        bitmap.Take(rest);
        foreach (int i in rest)
        {
            seen[i] = true;
        }
        Assert.Equal(marked, seen);
    }
}
