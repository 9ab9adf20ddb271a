namespace Nvo3.Lab.Tests;

/// <summary>The probe log's figures on made-up arrival times (ticks chosen by the test, no clock).</summary>
public class ProbeLogTests
{
    [Fact]
    public void LongestGap_ThatBeganBeforeTheWindow_IsCountedWhole()
    {
        var log = new ProbeLog(100);
        for (int s = 0; s <= 10; s++)
        {
            log.Record(s, s); // one probe a tick until 10
        }
        log.Record(11, 100); // then silence until 100: the move's gap
        log.Record(12, 101);

        // The move is stamped paused at 50, well after the last probe before it arrived.
        Assert.Equal(90, log.LongestGap(50, 120));
    }

    [Fact]
    public void LongestGap_OutsideTheWindow_IsNotTheMoves()
    {
        var log = new ProbeLog(100);
        long[] arrivals = [0, 1, 41, 42, 43, 44, 60, 61]; // 40 before the window, 16 across it
        for (int s = 0; s < arrivals.Length; s++)
        {
            log.Record(s, arrivals[s]);
        }

        Assert.Equal(16, log.LongestGap(50, 55));
        Assert.Equal(40, log.LongestGap(0, 100));
    }

    [Fact]
    public void LongestGap_TakesArrivalsInTimeOrder_NotSequenceOrder()
    {
        var log = new ProbeLog(100);
        log.Record(0, 0);
        log.Record(2, 10); // overtook probe 1
        log.Record(1, 30);
        log.Record(3, 31);

        Assert.Equal(20, log.LongestGap(0, 100));
        Assert.Equal(1, log.Reordered);
    }
}
