namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// What a flow of <see cref="ObjectStoreStreams"/> tells about its endpoint while it runs (give it in
/// <see cref="TransferOptions.Watch"/>): whether it answers, the outages so far, and whether the outage budget ran out
/// (after which the flow's remaining items end as <see cref="FileNotAttempted"/> with that reason). The flows and the
/// listing given one watch share one outage monitor, created by the first of them to start (it probes that one's
/// container): an outage met by a listing page pauses the flow too, and the run has one outage record. Safe to read from any thread.
/// </summary>
public sealed class EndpointWatch
{
    private readonly TaskCompletionSource<string> _budgetExceeded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private OutageMonitor? _monitor;
    private Task<OutageMonitor>? _shared;

    /// <summary>Whether the endpoint answers, and while it does not: since when, why, and when the next probe goes (up
    /// until the flow has started).</summary>
    public EndpointStatus Endpoint => Volatile.Read(ref _monitor)?.Status ?? new EndpointStatus(EndpointHealth.Up, null, null, null, null);

    /// <summary>The outages so far, the current one included with its length up to now.</summary>
    public IReadOnlyList<Outage> Outages => Volatile.Read(ref _monitor)?.Outages ?? [];

    /// <summary>Completes, with the reason (as the summary's <see cref="TransferSummary.OutageBudgetExceeded"/> says it),
    /// when the endpoint has been down for longer than the outage budget; never otherwise.</summary>
    public Task<string> BudgetExceeded => _budgetExceeded.Task;

    /// <summary>The reason the outage budget ran out, or null while it has not.</summary>
    public string? OutageBudgetExceeded => _budgetExceeded.Task.IsCompletedSuccessfully ? _budgetExceeded.Task.Result : null;

    /// <summary>The watch's monitor, made by <paramref name="create"/> when nothing has made it yet.</summary>
    internal Task<OutageMonitor> MonitorAsync(Func<Task<OutageMonitor>> create)
    {
        lock (_gate) return _shared ??= WatchAsync(create());
    }

    private async Task<OutageMonitor> WatchAsync(Task<OutageMonitor> created)
    {
        var monitor = await created.ConfigureAwait(false);
        Volatile.Write(ref _monitor, monitor);
        return monitor;
    }

    internal void GaveUp(string reason) => _budgetExceeded.TrySetResult(reason);
}
