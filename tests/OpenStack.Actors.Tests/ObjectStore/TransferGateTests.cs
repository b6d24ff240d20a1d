using OpenStack.Actors.ObjectStore;
using Xunit;

namespace OpenStack.Actors.Tests.ObjectStore;

public sealed class TransferGateTests
{
    [Fact]
    public async Task No_more_than_n_transfers_are_admitted()
    {
        var gate = new TransferGate(2, 1000);
        var a = await gate.AcquireAsync(1, CancellationToken.None);
        var b = await gate.AcquireAsync(1, CancellationToken.None);
        var c = gate.AcquireAsync(1, CancellationToken.None);
        Assert.False(c.IsCompleted);
        a.Dispose();
        (await c).Dispose();
        b.Dispose();
        Assert.Equal(1000, gate.Available);
    }

    [Fact]
    public async Task Bytes_in_flight_are_bounded_and_granted_in_arrival_order()
    {
        var gate = new TransferGate(10, 100);
        var first = await gate.AcquireAsync(60, CancellationToken.None);
        var big = gate.AcquireAsync(50, CancellationToken.None);     // does not fit beside the 60
        var small = gate.AcquireAsync(10, CancellationToken.None);   // would fit, but must not overtake the big one
        Assert.False(big.IsCompleted);
        Assert.False(small.IsCompleted);
        Assert.Equal(40, gate.Available);

        first.Dispose();
        (await big).Dispose();
        (await small).Dispose();
        Assert.Equal(100, gate.Available);
    }

    [Fact]
    public async Task A_transfer_larger_than_the_budget_runs_alone()
    {
        var gate = new TransferGate(4, 100);
        var huge = await gate.AcquireAsync(1_000_000, CancellationToken.None);
        Assert.Equal(0, gate.Available);
        var next = gate.AcquireAsync(1, CancellationToken.None);
        Assert.False(next.IsCompleted);
        huge.Dispose();
        (await next).Dispose();
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_the_queue_and_returns_its_slot()
    {
        var gate = new TransferGate(2, 100);
        var held = await gate.AcquireAsync(100, CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var cancelled = gate.AcquireAsync(50, cts.Token);
        var after = gate.AcquireAsync(100, CancellationToken.None);
        Assert.False(after.IsCompleted);   // both slots are taken: held + cancelled

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        held.Dispose();
        (await after).Dispose();
        Assert.Equal(100, gate.Available);
    }

    [Fact]
    public async Task Disposing_a_lease_twice_returns_its_bytes_once()
    {
        var gate = new TransferGate(3, 100);
        var lease = await gate.AcquireAsync(30, CancellationToken.None);
        lease.Dispose();
        lease.Dispose();
        Assert.Equal(100, gate.Available);
        var all = await Task.WhenAll(gate.AcquireAsync(1, CancellationToken.None), gate.AcquireAsync(1, CancellationToken.None), gate.AcquireAsync(1, CancellationToken.None));
        Assert.False(gate.AcquireAsync(1, CancellationToken.None).IsCompleted);   // still exactly 3 slots
        foreach (var l in all) l.Dispose();
    }
}
