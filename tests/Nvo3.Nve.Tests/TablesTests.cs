namespace Nvo3.Nve.Tests;

/// <summary>The forwarding tables are swapped whole: a resync never leaves the data path with a table half rebuilt.</summary>
public class TablesTests
{
    [Fact]
    public async Task Resyncs_WhileArpRequestsFlow_NeverLoseAnAnswer()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var asker = await h.AddVmAsync(1, a);
        var owners = new List<TestVm>();
        for (int n = 2; n < 12; n++)
        {
            owners.Add(await h.AddVmAsync(n, a));
        }
        var snapshot = await h.Directory.SnapshotAsync();
        const int Requests = 2000;

        // One thread reloads the directory over and over (each reload rebuilds every table) while
        // the VM asks for its neighbours: every question must find its answer.
        using var stop = new CancellationTokenSource();
        int reloads = 0;
        var reloading = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                a.View.Apply(snapshot);
                reloads++;
            }
        });
        for (int i = 0; i < Requests; i++)
        {
            asker.Send(NdFrames.ArpRequest(asker, owners[i % owners.Count].IPv4));
            if (i % 100 == 99)
            {
                int asked = i + 1;
                await EdgeHarness.WaitAsync(() => a.Counters.FromTenants >= asked, "a to read the requests");
            }
        }
        await EdgeHarness.WaitAsync(() => a.Counters.ArpReplies + a.Counters.DroppedTotal >= Requests, "every request handled");
        await stop.CancelAsync();
        await reloading;

        Assert.True(reloads > 10, $"only {reloads} reloads ran beside the requests");
        Assert.Equal(0, a.Counters.DroppedTotal);
        Assert.Equal(Requests, a.Counters.ArpReplies);
    }
}
