namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// Admits transfers: at most N at once and at most a budget of bytes in flight, first come first served
/// (so a large segment is not starved by a stream of small files). A transfer larger than the budget runs alone.
/// </summary>
internal sealed class TransferGate
{
    private readonly SemaphoreSlim _slots;
    private readonly object _lock = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private long _available;

    internal TransferGate(int transfers, long maxBytesInFlight)
    {
        _slots = new SemaphoreSlim(transfers, transfers);
        Capacity = maxBytesInFlight;
        _available = maxBytesInFlight;
    }

    internal long Capacity { get; }

    /// <summary>Bytes not reserved now (for tests and diagnostics).</summary>
    internal long Available
    {
        get
        {
            lock (_lock) return _available;
        }
    }

    /// <summary>Waits for a transfer slot and <paramref name="bytes"/> of budget; dispose the lease to give them back.</summary>
    internal async Task<IDisposable> AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        var amount = Math.Clamp(bytes, 0, Capacity);
        try
        {
            await ReserveAsync(amount, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _slots.Release();
            throw;
        }
        return new Lease(this, amount);
    }

    private Task ReserveAsync(long amount, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_waiters.Count == 0 && _available >= amount)
            {
                _available -= amount;
                return Task.CompletedTask;
            }
            waiter = new Waiter(amount);
            waiter.Node = _waiters.AddLast(waiter);
        }
        if (cancellationToken.CanBeCanceled)
            waiter.Registration = cancellationToken.Register(() =>
            {
                lock (_lock)
                {
                    if (waiter.Node?.List is null) return;   // granted already
                    _waiters.Remove(waiter.Node);
                    waiter.Node = null;
                }
                waiter.Completion.TrySetCanceled(cancellationToken);
                Grant();   // the head may have changed
            });
        return waiter.Completion.Task;
    }

    private void Release(long amount)
    {
        lock (_lock) _available += amount;
        Grant();
        _slots.Release();
    }

    private void Grant()
    {
        var granted = new List<Waiter>();
        lock (_lock)
        {
            while (_waiters.First is { } head && _available >= head.Value.Amount)
            {
                _available -= head.Value.Amount;
                _waiters.RemoveFirst();
                head.Value.Node = null;
                granted.Add(head.Value);
            }
        }
        // Completed outside the lock: continuations may run inline.
        foreach (var w in granted)
        {
            w.Registration.Dispose();
            w.Completion.TrySetResult();
        }
    }

    private sealed class Waiter(long amount)
    {
        public long Amount { get; } = amount;
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public LinkedListNode<Waiter>? Node { get; set; }
        public CancellationTokenRegistration Registration { get; set; }
    }

    private sealed class Lease(TransferGate gate, long amount) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) gate.Release(amount);
        }
    }
}
