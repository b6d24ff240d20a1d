namespace OpenStack.Actors.TestKit;

/// <summary>Awaiting what the layer sees: the signals that let a test move virtual time only once the system has got there.</summary>
public sealed partial class CloudFaults
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);
    private readonly List<Waiter> _waiters = new();

    /// <summary>Completes with the <paramref name="sequence"/>th request (1-based) once it has arrived and its faults are
    /// decided (a latency timer is set by then): await it before advancing virtual time.</summary>
    /// <exception cref="FakeAssertionException">It did not arrive within <paramref name="timeout"/> of wall time (default 10 s).</exception>
    public Task<FaultRequest> WaitForRequestAsync(int sequence, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        return WaitForRequestAsync(_ => true, sequence, timeout, $"request #{sequence}");
    }

    /// <summary>Completes with the <paramref name="nth"/> request that <paramref name="match"/> accepts (counting those
    /// that came already), once it has arrived and its faults are decided.</summary>
    /// <exception cref="FakeAssertionException">It did not arrive within <paramref name="timeout"/> of wall time (default 10 s).</exception>
    public Task<FaultRequest> WaitForRequestAsync(Func<FaultRequest, bool> match, int nth = 1, TimeSpan? timeout = null, string description = "a matching request")
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentOutOfRangeException.ThrowIfLessThan(nth, 1);
        return WaitAsync(() => _requests.Where(match).Skip(nth - 1).FirstOrDefault(), timeout, $"{description} (#{nth})");
    }

    /// <summary>Completes with the <paramref name="nth"/> fault of <paramref name="kind"/> once it is injected.</summary>
    /// <exception cref="FakeAssertionException">It was not injected within <paramref name="timeout"/> of wall time (default 10 s).</exception>
    public Task<InjectedFault> WaitForFaultAsync(FaultKind kind, int nth = 1, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nth, 1);
        return WaitAsync(() => _injected.Where(f => f.Kind == kind).Skip(nth - 1).FirstOrDefault(), timeout, $"{kind} fault #{nth}");
    }

    private async Task<T> WaitAsync<T>(Func<T?> find, TimeSpan? timeout, string what) where T : class
    {
        var waiter = new Waiter(() => find());
        lock (_gate)
        {
            if (find() is { } found) return found;
            _waiters.Add(waiter);
        }
        var wait = timeout ?? DefaultWait;
        try
        {
            return (T)await waiter.Found.Task.WaitAsync(wait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_gate) _waiters.Remove(waiter);
            throw new FakeAssertionException($"CloudFaults: {what} did not come within {wait.TotalSeconds:0.###} s of wall time. " +
                $"Requests so far:\n{string.Join("\n", Requests.Select(r => $"  {r} at {(r.At - Start).TotalSeconds:0.###} s{(r.Untouched ? "" : $": {string.Join(", ", r.Faults)}")}"))}");
        }
    }

    private void Signal()
    {
        List<(Waiter Waiter, object Found)> done = [];
        lock (_gate)
            foreach (var w in _waiters.ToArray())
                if (w.Find() is { } found)
                {
                    _waiters.Remove(w);
                    done.Add((w, found));
                }
        foreach (var (waiter, found) in done) waiter.Found.TrySetResult(found);
    }

    private sealed class Waiter(Func<object?> find)
    {
        public Func<object?> Find { get; } = find;
        public TaskCompletionSource<object> Found { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
