using Nvo3.Migration.Transfer;

namespace Nvo3.Migration.Tests;

/// <summary>
/// A warm checkpoint held at the destination: a hostile or broken source that streams the same
/// pages over and over cannot make the agent hold more than the workload's declared size.
/// </summary>
public sealed class StagedCheckpointTests
{
    private static readonly WorkloadShape Shape = new() { MemoryBytes = 16 * Workload.PageSize };

    [Fact]
    public void Add_SamePagesStreamedAgainAndAgain_HoldsAtMostTheDeclaredMemory()
    {
        var source = new Workload("w", Shape);
        var destination = new Workload("w", Shape);
        var staged = new StagedCheckpoint();
        int[] all = [.. Enumerable.Range(0, source.Memory.UnitCount)];
        byte[] frame = new byte[UnitBatch.SizeOf(all.Length, source.Memory.UnitSize)];

        for (int round = 0; round < 50; round++)
        {
            source.Fill(round);
            int length = UnitBatch.Write(frame, (uint)round, all, source.Memory);
            staged.Add(FrameType.Pages, frame.AsSpan(0, length), destination);
            Assert.Equal(Shape.MemoryBytes, staged.Bytes);
        }

        staged.ApplyTo(destination);
        Assert.Equal(0, staged.Bytes);
        Assert.True(source.Memory.Unit(3).SequenceEqual(destination.Memory.Unit(3)), "the last copy of each page is the one applied");
    }

    [Fact]
    public void Add_DeviceStateTwice_HoldsOneCopy()
    {
        var destination = new Workload("w", Shape);
        var staged = new StagedCheckpoint();
        byte[] state = new byte[destination.DeviceState.Length];

        staged.Add(FrameType.DeviceState, state, destination);
        staged.Add(FrameType.DeviceState, state, destination);

        Assert.Equal(state.Length, staged.Bytes);
    }
}
