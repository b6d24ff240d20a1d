using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace OpenStack.Actors.ObjectStore;

// The machinery every flow shares: a preparation per materialization, the items run N at a time through the outage
// monitor, and the end of the stage cancelling the work in flight.
public static partial class ObjectStoreStreams
{
    /// <summary>What a flow's items run against once it is prepared: the outage monitor, and the worker.</summary>
    internal sealed record Prepared<TWorker>(OutageMonitor Monitor, TWorker Worker);

    /// <summary>
    /// A flow of <paramref name="parallelism"/> items at once, prepared on its first item (so a stream that never gets one
    /// sends no request). <paramref name="tryOnce"/> tries one item; a transient failure is tried again in place, or in
    /// the final passes (<see cref="TransferOptions.FinalPass"/>), outages waited out either way; an item that
    /// <paramref name="inPlace"/> says retries itself is run once. Its materialized value completes when the stage has
    /// terminated and every item it started has ended; the stage's termination (downstream cancelled, upstream failed)
    /// cancels those in flight.
    /// </summary>
    internal static Flow<TIn, FileResult, Task> Stage<TIn, TWorker>(ObjectStoreClient client, string container, ObjectStoreSettings settings,
        TransferOptions options, int parallelism, Func<OutageMonitor, CancellationToken, Task<TWorker>> prepare,
        Func<Prepared<TWorker>, TIn, CancellationToken, Task<FileResult>> tryOnce, Func<TIn, string, FileResult> notAttempted,
        Func<Prepared<TWorker>, TIn, bool>? inPlace = null) =>
        Stage(client, container, settings, options, parallelism, prepare, (ready, work) =>
        {
            if (!options.FinalPass)
                return InPlace<TIn, TWorker>(parallelism, ready, work, async (p, item, ct) => [await (inPlace?.Invoke(p, item) == true
                    ? tryOnce(p, item, ct)
                    : Attempt(p.Monitor, settings, item, i => tryOnce(p, i, ct), notAttempted, ct, Watched(options)))
                    .ConfigureAwait(false)]);
            return Passes<TIn, TWorker>(settings, options, parallelism, ready, work, async (p, item) =>
                {
                    var result = await tryOnce(p, item, work.Token).ConfigureAwait(false);
                    return inPlace?.Invoke(p, item) == true ? new Attempted<TIn>([result]) : TransferRunner.AsAttempt(item, result, work.Token);
                },
                (item, reason) => [notAttempted(item, reason)]);
        });

    /// <summary>As the first overload with <see cref="TransferOptions.FinalPass"/>, for items of several files whose one
    /// try says which of them to try again (a bulk delete's group).</summary>
    internal static Flow<TIn, FileResult, Task> Stage<TIn, TWorker>(ObjectStoreClient client, string container, ObjectStoreSettings settings,
        TransferOptions options, int parallelism, Func<OutageMonitor, CancellationToken, Task<TWorker>> prepare,
        Func<Prepared<TWorker>, TIn, Task<Attempted<TIn>>> tryOnce, Func<TIn, string, IReadOnlyList<FileResult>> notAttempted) =>
        Stage(client, container, settings, options, parallelism, prepare,
            (ready, work) => Passes(settings, options, parallelism, ready, work, tryOnce, notAttempted));

    private static Flow<TIn, FileResult, NotUsed> Passes<TIn, TWorker>(ObjectStoreSettings settings, TransferOptions options, int parallelism,
        Func<Task<Prepared<TWorker>>> ready, StageWork work, Func<Prepared<TWorker>, TIn, Task<Attempted<TIn>>> tryOnce,
        Func<TIn, string, IReadOnlyList<FileResult>> notAttempted)
    {
        var passes = new FinalPasses<TIn>(settings, async () =>
            {
                var p = await ready().ConfigureAwait(false);
                return (p.Monitor, i => tryOnce(p, i));
            },
            notAttempted, () => options.Stopped.IsCancellationRequested, Watched(options), work.Token);
        return passes.Flow(parallelism, attempt => work.Run(() => Task.FromResult(attempt())));
    }

    /// <summary>As the other overload, for items that wait out outages themselves (a bulk delete's group of several files).</summary>
    internal static Flow<TIn, FileResult, Task> Stage<TIn, TWorker>(ObjectStoreClient client, string container, ObjectStoreSettings settings,
        TransferOptions options, int parallelism, Func<OutageMonitor, CancellationToken, Task<TWorker>> prepare,
        Func<Prepared<TWorker>, TIn, CancellationToken, Task<IReadOnlyList<FileResult>>> process) =>
        Stage(client, container, settings, options, parallelism, prepare, (ready, work) => InPlace(parallelism, ready, work, process));

    private static Flow<TIn, FileResult, Task> Stage<TIn, TWorker>(ObjectStoreClient client, string container, ObjectStoreSettings settings,
        TransferOptions options, int parallelism, Func<OutageMonitor, CancellationToken, Task<TWorker>> prepare,
        Func<Func<Task<Prepared<TWorker>>>, StageWork, Flow<TIn, FileResult, NotUsed>> inner)
    {
        ArgumentNullException.ThrowIfNull(client);
        SwiftNames.ValidateContainer(container);
        return Flow.Setup<TIn, FileResult, Task>((materializer, _) =>
        {
            var work = new StageWork(options.Cancellation);
            var scheduler = materializer.System.Scheduler;
            var gate = new object();
            Task<Prepared<TWorker>>? ready = null;
            Task<Prepared<TWorker>> Ready()
            {
                lock (gate) return ready ??= PrepareAsync();
            }
            async Task<Prepared<TWorker>> PrepareAsync()
            {
                Task<OutageMonitor> Create() => client.OutageMonitorAsync(container, settings, scheduler, parallelism, work.Token);
                var monitor = await (options.Watch is { } watch ? watch.MonitorAsync(Create) : Create()).ConfigureAwait(false);
                return new Prepared<TWorker>(monitor, await prepare(monitor, work.Token).ConfigureAwait(false));
            }
            return inner(Ready, work).WatchTermination((_, terminated) => work.Ended(terminated));
        }).MapMaterializedValue(t => t.Unwrap());
    }

    private static Flow<TIn, FileResult, NotUsed> InPlace<TIn, TWorker>(int parallelism, Func<Task<Prepared<TWorker>>> ready, StageWork work,
        Func<Prepared<TWorker>, TIn, CancellationToken, Task<IReadOnlyList<FileResult>>> process) =>
        Flow.Create<TIn>()
            .SelectAsyncUnordered(parallelism, item => work.Run(async () => process(await ready().ConfigureAwait(false), item, work.Token)))
            .SelectMany(results => results);

    private static Action<OutageBudgetExceededException>? Watched(TransferOptions options) =>
        options.Watch is { } watch ? e => watch.GaveUp(e.Message) : null;

    /// <summary>One item tried until it succeeds or fails for good, outages waited out (as a cluster worker tries a file).</summary>
    internal static Task<FileResult> Attempt<T>(OutageMonitor monitor, ObjectStoreSettings settings, T item, Func<T, Task<FileResult>> process,
        Func<T, string, FileResult> notAttempted, CancellationToken cancellationToken, Action<OutageBudgetExceededException>? onGaveUp = null) =>
        TransferRunner.AttemptAsync(item, process, notAttempted, monitor, settings.Retries, cancellationToken, onGaveUp);

    /// <summary>The items a stage has started, its cancellation, and the task that completes when both the stage and they have ended.</summary>
    private sealed class StageWork
    {
        private readonly CancellationTokenSource _cancel;
        private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _running;
        private int _terminated;

        internal StageWork(CancellationToken cancellation) => _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellation);

        internal CancellationToken Token => _cancel.Token;

        internal async Task<IReadOnlyList<FileResult>> Run(Func<Task<Task<IReadOnlyList<FileResult>>>> item)
        {
            Interlocked.Increment(ref _running);
            try
            {
                return await (await item().ConfigureAwait(false)).ConfigureAwait(false);
            }
            finally
            {
                if (Interlocked.Decrement(ref _running) == 0 && Volatile.Read(ref _terminated) == 1) _drained.TrySetResult();
            }
        }

        internal Task Ended(Task terminated)
        {
            terminated.ContinueWith(_ =>
            {
                // Completed normally, nothing is in flight; cancelled or failed, what is in flight is abandoned (and cleaned up).
                Interlocked.Exchange(ref _terminated, 1);
                _cancel.Cancel();
                if (Volatile.Read(ref _running) == 0) _drained.TrySetResult();
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return _drained.Task;
        }
    }
}
