using System.Collections.Concurrent;
using Akka;
using Akka.Streams.Dsl;
using Akka.Util;

namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// The end-of-run retry passes of one materialization: entries are tried once each, N at a time, every try admitted by the
/// run's <see cref="OutageMonitor"/>; an entry whose try failed transiently waits, and once every entry of a pass has ended
/// the waiting ones are tried again (up to <see cref="ObjectStoreSettings.Retries"/> passes; a failure that a confirmed
/// outage explains does not use one up). After a stop, the waiting entries end with their last failures. Every entry ends
/// as its results, exactly once.
/// </summary>
/// <param name="settings">The retries.</param>
/// <param name="ready">The run's monitor and one try of an entry (awaited by the first try: a stage prepares on its first item).</param>
/// <param name="notAttempted">An entry's results when it never started.</param>
/// <param name="stopped">Whether the run was stopped (then nothing is tried again).</param>
/// <param name="onGaveUp">Told when the outage budget runs out, or null.</param>
/// <param name="cancellationToken">Abandons the waits for a turn.</param>
internal sealed class FinalPasses<T>(ObjectStoreSettings settings, Func<Task<(OutageMonitor Monitor, Func<T, Task<Attempted<T>>> Try)>> ready,
    Func<T, string, IReadOnlyList<FileResult>> notAttempted, Func<bool> stopped, Action<OutageBudgetExceededException>? onGaveUp,
    CancellationToken cancellationToken)
{
    private static readonly Step UpstreamEnd = new(null, null);
    private readonly ConcurrentQueue<Entry> _deferred = new();
    private readonly TaskCompletionSource _upstreamDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private TaskCompletionSource? _idle;
    private OutageMonitor? _monitor;
    private int _running;

    /// <summary>The flow: entries in, their results out (in completion order); <paramref name="run"/> wraps every try (a
    /// stage counts its work in flight with it).</summary>
    /// <remarks>An entry counts as running from the moment it is taken in (or put into a pass), so the next pass, asked for
    /// once the upstream has completed (the marker after its last entry says so), starts only when every try before it has
    /// ended, however eagerly the operators pull.</remarks>
    internal Flow<T, FileResult, NotUsed> Flow(int parallelism, Func<Func<Task<IReadOnlyList<FileResult>>>, Task<IReadOnlyList<FileResult>>>? run = null) =>
        Akka.Streams.Dsl.Flow.Create<T>()
            .Select(v =>
            {
                Started();
                return new Step(new Entry(v), null);
            })
            .Concat(Source.Single(UpstreamEnd))
            .Where(step =>
            {
                if (!ReferenceEquals(step, UpstreamEnd)) return true;
                _upstreamDone.TrySetResult();
                return false;
            })
            .Concat(Source.UnfoldAsync(0, async _ => await NextPassAsync().ConfigureAwait(false) is { } next
                ? Option<(int, IReadOnlyList<Step>)>.Create((0, next))
                : Option<(int, IReadOnlyList<Step>)>.None).SelectMany(steps => steps))
            .SelectAsyncUnordered(parallelism, step => step.Final is { } final ? Task.FromResult(final)
                : run is null ? AttemptAsync(step.Attempt!) : run(() => AttemptAsync(step.Attempt!)))
            .SelectMany(results => results);

    // Counted as running already (see Flow).
    private async Task<IReadOnlyList<FileResult>> AttemptAsync(Entry entry)
    {
        try
        {
            if (entry.Tries > 0 && stopped()) return Stopped(entry);
            var (monitor, tryOnce) = await ready().ConfigureAwait(false);
            Interlocked.CompareExchange(ref _monitor, monitor, null);
            if (await TransferRunner.WaitForTurnAsync(entry.Value, entry.LastFailures, notAttempted, monitor, onGaveUp, cancellationToken)
                    .ConfigureAwait(false) is { } final)
                return final;
            var epoch = monitor.Epoch;
            var attempt = await tryOnce(entry.Value).ConfigureAwait(false);
            if (attempt.Retry)
            {
                monitor.Release(attempt.Error);
                _deferred.Enqueue(entry with { Value = attempt.Again!, LastFailures = attempt.Failures, Epoch = epoch, Tries = entry.Tries + 1 });
                return attempt.Done;
            }
            monitor.Release(null);
            return attempt.Done;
        }
        finally
        {
            Ended();
        }
    }

    /// <summary>Once every try of the pass has ended: the next pass (the waiting entries to try again, or their final
    /// results), or null when none wait.</summary>
    private async Task<IReadOnlyList<Step>?> NextPassAsync()
    {
        await _upstreamDone.Task.ConfigureAwait(false);
        await WhenIdle().ConfigureAwait(false);
        if (_deferred.IsEmpty) return null;
        var steps = new List<Step>();
        while (_deferred.TryDequeue(out var e))
        {
            // A failure that an outage confirmed after the attempt began does not count as one of the retries.
            var counted = _monitor!.Epoch > e.Epoch ? e.Counted : e.Counted + 1;
            if (stopped()) steps.Add(new Step(null, Stopped(e)));
            else if (counted > settings.Retries || e.Tries >= TransferRunner.MaxTries) steps.Add(new Step(null, e.LastFailures!));
            else
            {
                Started();
                steps.Add(new Step(e with { Counted = counted }, null));
            }
        }
        return steps;
    }

    private static IReadOnlyList<FileResult> Stopped(Entry e) =>
        e.LastFailures!.Select(f => (FileResult)(f with { Reason = f.Reason + "; not tried again: the run was stopped" })).ToList();

    private void Started()
    {
        lock (_gate) _running++;
    }

    private void Ended()
    {
        TaskCompletionSource? idle = null;
        lock (_gate)
        {
            if (--_running == 0) (idle, _idle) = (_idle, null);
        }
        idle?.TrySetResult();
    }

    private Task WhenIdle()
    {
        lock (_gate) return _running == 0 ? Task.CompletedTask : (_idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
    }

    /// <summary>An entry to try, or the final results of one.</summary>
    private sealed record Step(Entry? Attempt, IReadOnlyList<FileResult>? Final);

    /// <summary>An entry on its way: how often it was tried, how many of those count against the retries, and its last failures.</summary>
    private sealed record Entry(T Value)
    {
        public int Tries { get; init; }
        public int Counted { get; init; }
        public int Epoch { get; init; }
        public IReadOnlyList<FileFailed>? LastFailures { get; init; }
    }
}
