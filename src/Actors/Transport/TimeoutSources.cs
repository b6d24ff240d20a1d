namespace OpenStack.Actors.Transport;

/// <summary>
/// Reusable per-exchange cancellation sources, each linked once to a stop token. A fresh linked source with its timer
/// and the registrations the handler makes on it are allocated anew for every request (docs/performance.md); a source
/// whose timer did not fire is reset (<see cref="CancellationTokenSource.TryReset"/>) and serves the next exchange.
/// Thread-safe: exchanges rent and return from the thread pool.
/// </summary>
internal sealed class TimeoutSources(CancellationToken stopping, int capacity = 256)
{
    private readonly Stack<CancellationTokenSource> _free = new();

    /// <summary>The token that cancels every exchange (the owner stopping).</summary>
    public CancellationToken Stopping { get; } = stopping;

    /// <summary>A source that cancels after <paramref name="timeout"/> or when <see cref="Stopping"/> is cancelled.</summary>
    public CancellationTokenSource Rent(TimeSpan timeout)
    {
        CancellationTokenSource? cts = null;
        lock (_free)
        {
            _free.TryPop(out cts);
        }
        cts ??= CancellationTokenSource.CreateLinkedTokenSource(Stopping);
        cts.CancelAfter(timeout);
        return cts;
    }

    /// <summary>Gives a source back once its exchange is over; one that fired (or the stop) is disposed instead.</summary>
    public void Return(CancellationTokenSource cts)
    {
        if (!Stopping.IsCancellationRequested && cts.TryReset())
        {
            lock (_free)
            {
                if (_free.Count < capacity)
                {
                    _free.Push(cts);
                    return;
                }
            }
        }
        cts.Dispose();
    }
}
