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
    /// sends no request). <paramref name="process"/> runs one item to its result (waiting out outages itself:
    /// <see cref="Attempt"/> does that for most). Its materialized value completes when the stage has terminated and every
    /// item it started has ended; the stage's termination (downstream cancelled, upstream failed) cancels those in flight.
    /// </summary>
    internal static Flow<TIn, FileResult, Task> Stage<TIn, TWorker>(ObjectStoreClient client, string container, ObjectStoreSettings settings,
        int parallelism, Func<OutageMonitor, CancellationToken, Task<TWorker>> prepare,
        Func<Prepared<TWorker>, TIn, CancellationToken, Task<FileResult>> process) =>
        Stage<TIn, TWorker>(client, container, settings, parallelism, prepare, async (p, item, ct) => [await process(p, item, ct).ConfigureAwait(false)]);

    /// <summary>As the other overload, for items of several files each (a bulk delete's batch).</summary>
    internal static Flow<TIn, FileResult, Task> Stage<TIn, TWorker>(ObjectStoreClient client, string container, ObjectStoreSettings settings,
        int parallelism, Func<OutageMonitor, CancellationToken, Task<TWorker>> prepare,
        Func<Prepared<TWorker>, TIn, CancellationToken, Task<IReadOnlyList<FileResult>>> process)
    {
        ArgumentNullException.ThrowIfNull(client);
        SwiftNames.ValidateContainer(container);
        return Flow.Setup<TIn, FileResult, Task>((materializer, _) =>
        {
            var work = new StageWork();
            var scheduler = materializer.System.Scheduler;
            var gate = new object();
            Task<Prepared<TWorker>>? ready = null;
            Task<Prepared<TWorker>> Ready()
            {
                lock (gate) return ready ??= PrepareAsync();
            }
            async Task<Prepared<TWorker>> PrepareAsync()
            {
                var monitor = await client.OutageMonitorAsync(container, settings, scheduler, parallelism, work.Token).ConfigureAwait(false);
                return new Prepared<TWorker>(monitor, await prepare(monitor, work.Token).ConfigureAwait(false));
            }
            return Flow.Create<TIn>()
                .SelectAsyncUnordered(parallelism, item => work.Run(async () => process(await Ready().ConfigureAwait(false), item, work.Token)))
                .SelectMany(results => results)
                .WatchTermination((_, terminated) => work.Ended(terminated));
        }).MapMaterializedValue(t => t.Unwrap());
    }

    /// <summary>One item tried until it succeeds or fails for good, outages waited out (as a cluster worker tries a file).</summary>
    internal static Task<FileResult> Attempt<T>(OutageMonitor monitor, ObjectStoreSettings settings, T item, Func<T, Task<FileResult>> process,
        Func<T, string, FileResult> notAttempted, CancellationToken cancellationToken) =>
        TransferRunner.AttemptAsync(item, process, notAttempted, monitor, settings.Retries, cancellationToken);

    /// <summary>The items a stage has started, its cancellation, and the task that completes when both the stage and they have ended.</summary>
    private sealed class StageWork
    {
        private readonly CancellationTokenSource _cancel = new();
        private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _running;
        private int _terminated;

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
