using Akka.Actor;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// Pause, probe and resume for one batch. Every file waits in <see cref="WaitAsync"/> before it starts and reports back
/// with <see cref="Release"/>. A transient failure stops admissions and sends one probe; a failed probe makes the
/// endpoint down, probed again after a backoff that doubles from <see cref="ObjectStoreSettings.ProbeMinBackoff"/> to
/// <see cref="ObjectStoreSettings.ProbeMaxBackoff"/> with jitter; a successful one resumes the batch with two files,
/// and each file that ends well admits one more (slow start), until the batch runs at full width again. Down for
/// longer than <see cref="ObjectStoreSettings.OutageBudget"/>, every waiting and later file gets
/// <see cref="OutageBudgetExceededException"/>. Time comes from Akka's scheduler, so tests drive it with TestScheduler.
/// </summary>
internal sealed class OutageMonitor
{
    private readonly object _lock = new();
    private readonly Func<CancellationToken, Task> _probe;
    private readonly IScheduler _scheduler;
    private readonly Func<double> _random;
    private readonly TimeSpan _budget, _minBackoff, _maxBackoff;
    private readonly int _fullWidth;
    private readonly LinkedList<Waiter> _waiters = new();
    private readonly List<Outage> _outages = new();
    private EndpointHealth _health = EndpointHealth.Up;
    private DateTimeOffset? _since, _nextProbe;
    private string? _cause;
    private OutageBudgetExceededException? _gaveUp;
    private int _failedProbes, _active, _limit = int.MaxValue, _epoch, _outageId;
    private bool _probing;

    /// <param name="probe">A cheap authenticated request to the endpoint; it throws when the endpoint is not usable.</param>
    /// <param name="settings">Budget and probe backoff.</param>
    /// <param name="scheduler">The clock and timer (the ActorSystem's).</param>
    /// <param name="fullWidth">Files the batch runs at once: the ramp after an outage ends there.</param>
    /// <param name="endpoint">The endpoint, for messages.</param>
    /// <param name="random">Jitter source in [0, 1); tests fix it.</param>
    internal OutageMonitor(Func<CancellationToken, Task> probe, ObjectStoreSettings settings, IScheduler scheduler, int fullWidth, string? endpoint = null,
        Func<double>? random = null)
    {
        _probe = probe;
        _scheduler = scheduler;
        _budget = settings.OutageBudget;
        _minBackoff = settings.ProbeMinBackoff;
        _maxBackoff = settings.ProbeMaxBackoff < settings.ProbeMinBackoff ? settings.ProbeMinBackoff : settings.ProbeMaxBackoff;
        _fullWidth = Math.Max(1, fullWidth);
        _random = random ?? Random.Shared.NextDouble;
        Endpoint = endpoint;
    }

    internal string? Endpoint { get; }

    /// <summary>Outages confirmed so far (a failed probe confirms one): lets a caller tell whether its failure was part of one.</summary>
    internal int Epoch
    {
        get
        {
            lock (_lock) return _epoch;
        }
    }

    internal EndpointStatus Status
    {
        get
        {
            lock (_lock) return new EndpointStatus(_health, Endpoint, _since, _nextProbe, _cause);
        }
    }

    /// <summary>The outages so far, the current one included with its length up to now.</summary>
    internal IReadOnlyList<Outage> Outages
    {
        get
        {
            lock (_lock)
            {
                var list = _outages.ToList();
                if (_health is EndpointHealth.Down && _since is { } s) list.Add(new Outage(s, _scheduler.Now - s, _cause ?? ""));
                return list;
            }
        }
    }

    /// <summary>Completes when the file may start (at once while the endpoint is up and the batch at full width).</summary>
    /// <exception cref="OutageBudgetExceededException">The endpoint has been down for longer than the budget.</exception>
    internal Task WaitAsync(CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_gaveUp is not null) return Task.FromException(_gaveUp);
            if (_health == EndpointHealth.Up && _waiters.Count == 0 && _active < _limit)
            {
                _active++;
                return Task.CompletedTask;
            }
            waiter = new Waiter();
            waiter.Node = _waiters.AddLast(waiter);
        }
        if (cancellationToken.CanBeCanceled)
            waiter.Registration = cancellationToken.Register(() =>
            {
                lock (_lock)
                {
                    if (waiter.Node?.List is null) return;
                    _waiters.Remove(waiter.Node);
                    waiter.Node = null;
                }
                waiter.Completion.TrySetCanceled(cancellationToken);
            });
        return waiter.Completion.Task;
    }

    /// <summary>A file admitted by <see cref="WaitAsync"/> ended: with a transient failure (which pauses the batch and
    /// starts a probe) or without one (which widens the batch again after an outage).</summary>
    internal void Release(Exception? transientFailure)
    {
        if (transientFailure is null) Succeeded();
        else
        {
            lock (_lock) _active = Math.Max(0, _active - 1);
            Report(transientFailure);
        }
    }

    /// <summary>A transient failure seen outside a file (preparation, a listing page): pauses the batch and starts a probe.</summary>
    internal void Report(Exception failure)
    {
        lock (_lock)
        {
            if (_gaveUp is not null) return;
            _cause = FailureText.Describe(failure);
            if (_health != EndpointHealth.Up) return;
            _health = EndpointHealth.Probing;
            _since = _scheduler.Now;
            _failedProbes = 0;
            // The budget ends the outage on time even while a probe is still waiting for its answer.
            var id = ++_outageId;
            _scheduler.Advanced.ScheduleOnce(_budget, () => BudgetDue(id));
        }
        StartProbe();
    }

    /// <summary>Runs <paramref name="action"/> until it succeeds or fails for good, pausing on transient failures like a file.</summary>
    internal async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        while (true)
        {
            await WaitAsync(cancellationToken).ConfigureAwait(false);
            T result;
            try
            {
                result = await action(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (TransientFailures.IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                Release(e);
                continue;
            }
            catch
            {
                Release(null);
                throw;
            }
            Release(null);
            return result;
        }
    }

    private void Succeeded()
    {
        List<Waiter> admitted;
        lock (_lock)
        {
            _active = Math.Max(0, _active - 1);
            if (_limit != int.MaxValue && _health == EndpointHealth.Up)
            {
                _limit++;
                if (_limit >= _fullWidth) _limit = int.MaxValue;
            }
            admitted = AdmitLocked();
        }
        Complete(admitted);
    }

    private void StartProbe()
    {
        lock (_lock)
        {
            if (_probing || _gaveUp is not null) return;
            _probing = true;
            _nextProbe = null;
        }
        Task probe;
        try
        {
            probe = _probe(CancellationToken.None);
        }
        catch (Exception e)
        {
            probe = Task.FromException(e);
        }
        probe.ContinueWith(t => OnProbed(t.Exception?.GetBaseException()), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void BudgetDue(int outageId)
    {
        List<Waiter> waiting;
        OutageBudgetExceededException gaveUp;
        lock (_lock)
        {
            if (outageId != _outageId || _health is EndpointHealth.Up or EndpointHealth.GaveUp) return;
            (gaveUp, waiting) = GiveUpLocked();
        }
        Fail(waiting, gaveUp);
    }

    private (OutageBudgetExceededException Error, List<Waiter> Waiting) GiveUpLocked()
    {
        var since = _since!.Value;
        _health = EndpointHealth.GaveUp;
        _outages.Add(new Outage(since, _scheduler.Now - since, _cause ?? ""));
        _gaveUp = new OutageBudgetExceededException(Endpoint, since, _budget, _cause ?? "");
        _nextProbe = null;
        var waiting = _waiters.ToList();
        _waiters.Clear();
        foreach (var w in waiting) w.Node = null;
        return (_gaveUp, waiting);
    }

    private static void Fail(List<Waiter> waiting, OutageBudgetExceededException error)
    {
        foreach (var w in waiting)
        {
            w.Registration.Dispose();
            w.Completion.TrySetException(error);
        }
    }

    private void OnProbed(Exception? error)
    {
        List<Waiter> complete;
        OutageBudgetExceededException? gaveUp = null;
        lock (_lock)
        {
            _probing = false;
            if (_gaveUp is not null) return;
            if (error is null || !TransientFailures.IsTransient(error))
            {
                // Any answer that is not a transient failure means the endpoint serves requests again.
                if (_health == EndpointHealth.Down && _since is { } s) _outages.Add(new Outage(s, _scheduler.Now - s, _cause ?? ""));
                _health = EndpointHealth.Up;
                _since = _nextProbe = null;
                _limit = Math.Min(2, _fullWidth) >= _fullWidth ? int.MaxValue : 2;
                complete = AdmitLocked();
            }
            else
            {
                if (_health == EndpointHealth.Probing) _epoch++;
                _health = EndpointHealth.Down;
                _cause = FailureText.Describe(error);
                _failedProbes++;
                var now = _scheduler.Now;
                if (now >= _since!.Value + _budget)
                {
                    (gaveUp, complete) = GiveUpLocked();
                }
                else
                {
                    var cap = TimeSpan.FromTicks(Math.Min(_maxBackoff.Ticks, _minBackoff.Ticks * (1L << Math.Min(_failedProbes - 1, 30))));
                    // Up to a fifth either way, so that many clients of one cloud do not probe in step.
                    var delay = cap * (0.8 + 0.4 * _random());
                    _nextProbe = now + delay;
                    _scheduler.Advanced.ScheduleOnce(delay, StartProbe);
                    complete = [];
                }
            }
        }
        if (gaveUp is not null) Fail(complete, gaveUp);
        else Complete(complete);
    }

    /// <summary>Takes the waiters that may start now (in order), counting them active.</summary>
    private List<Waiter> AdmitLocked()
    {
        var admitted = new List<Waiter>();
        while (_health == EndpointHealth.Up && _active < _limit && _waiters.First is { } head)
        {
            _waiters.RemoveFirst();
            head.Value.Node = null;
            _active++;
            admitted.Add(head.Value);
        }
        return admitted;
    }

    private static void Complete(List<Waiter> admitted)
    {
        foreach (var w in admitted)
        {
            w.Registration.Dispose();
            w.Completion.TrySetResult();
        }
    }

    private sealed class Waiter
    {
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public LinkedListNode<Waiter>? Node { get; set; }
        public CancellationTokenRegistration Registration { get; set; }
    }
}
