using System.Diagnostics;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.ObjectStore;

/// <summary>A running upload or download: its live counters, its endpoint's health, a graceful stop, and its summary.</summary>
public sealed class TransferRun
{
    private readonly SharedKillSwitch _killSwitch;
    private readonly EndpointWatch? _watch;
    private readonly CancellationTokenSource _stopping = new();
    private int _stopped;

    /// <summary>A run that a program drives itself from the stages (<see cref="ObjectStoreStreams"/>), e.g. a cluster
    /// coordinator: <see cref="Stop"/> shuts <paramref name="killSwitch"/> (put it after the run's source), and
    /// <see cref="Endpoint"/> always says up.</summary>
    /// <param name="progress">The counters it shows (<see cref="TransferTally.Progress"/>).</param>
    /// <param name="killSwitch">Stops the run's source.</param>
    /// <param name="completion">Its summary (<see cref="TransferTally.Summary(bool)"/> once the run has ended).</param>
    public TransferRun(TransferProgress progress, SharedKillSwitch killSwitch, Task<TransferSummary> completion)
    {
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(killSwitch);
        ArgumentNullException.ThrowIfNull(completion);
        Progress = progress;
        _killSwitch = killSwitch;
        Completion = completion;
    }

    /// <summary>A run composed from the stages whose flow reports to <paramref name="watch"/> (<see cref="TransferOptions.Watch"/>):
    /// <see cref="Endpoint"/> is the watch's.</summary>
    /// <param name="progress">The counters it shows (<see cref="TransferTally.Progress"/>).</param>
    /// <param name="killSwitch">Stops the run's source.</param>
    /// <param name="completion">Its summary (<see cref="TransferTally.Summary(bool, EndpointWatch?)"/> once the run has ended).</param>
    /// <param name="watch">The flow's endpoint watch.</param>
    public TransferRun(TransferProgress progress, SharedKillSwitch killSwitch, Task<TransferSummary> completion, EndpointWatch watch)
        : this(progress, killSwitch, completion)
    {
        ArgumentNullException.ThrowIfNull(watch);
        _watch = watch;
    }

    /// <summary>Live counters.</summary>
    public TransferProgress Progress { get; }

    /// <summary>Whether the endpoint answers, and while it does not: since when, why, and when the next probe goes.</summary>
    public EndpointStatus Endpoint => _watch?.Endpoint ?? new EndpointStatus(EndpointHealth.Up, null, null, null, null);

    /// <summary>The summary, when every admitted file has finished.</summary>
    public Task<TransferSummary> Completion { get; }

    /// <summary>True after <see cref="Stop"/>.</summary>
    public bool StopRequested => Volatile.Read(ref _stopped) == 1;

    /// <summary>Cancelled by <see cref="Stop"/>: the <see cref="TransferOptions.Stopped"/> of the run's flow, so that its
    /// final passes try nothing again once the run is stopped.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Admits no more files; those in flight finish (cancel the run's token to abandon them). The summary says it was interrupted.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        // Before the source ends: the final passes that its end lets start see the stop.
        _stopping.Cancel();
        _killSwitch.Shutdown();
    }
}

/// <summary>What one attempt at an entry came to: the results that are final, and the part of the entry that transient
/// failures leave to try again (<paramref name="Again"/>, with those failures, which are its results if it is not tried again).</summary>
internal sealed record Attempted<T>(IReadOnlyList<FileResult> Done, T? Again = default, IReadOnlyList<FileFailed>? Failures = null, Exception? Error = null)
{
    internal bool Retry => Failures is { Count: > 0 };
}

/// <summary>
/// The runs of the upload and delete batches, and the retry machinery every run shares: entries from a source
/// (stoppable by the run's kill switch) are processed N at a time, unordered, each admitted by the run's
/// <see cref="OutageMonitor"/>: a transient failure pauses the run instead of failing the file, which is tried again in a
/// final pass after everything else (<see cref="FinalPasses{T}"/>, the same as the public flows' with
/// <see cref="TransferOptions.FinalPass"/>) in a run of the stages (<see cref="ObjectStoreStreams"/>). Every file ends as
/// exactly one <see cref="FileResult"/>, which updates the progress and the summary and goes to the caller's callback.
/// An entry is one file, or a batch of them (a bulk delete) whose files succeed or fail apart.
/// </summary>
internal static class TransferRunner
{
    // Attempts forgiven because they fell into an outage are still bounded, so a flapping endpoint cannot loop forever.
    internal const int MaxTries = 100;

    /// <summary>One try of a one-file entry as an attempt: its result, or, when that failure is one a later try may fix, the entry again.</summary>
    internal static Attempted<T> AsAttempt<T>(T entry, FileResult result, CancellationToken cancellationToken) =>
        Retriable(result, cancellationToken) is { } failed ? new Attempted<T>([], entry, [failed], failed.Error) : new Attempted<T>([result]);

    /// <summary>The failure when <paramref name="result"/> is one that a later attempt may fix (and the run goes on), else null.</summary>
    internal static FileFailed? Retriable(FileResult result, CancellationToken cancellationToken) =>
        result is FileFailed { Error: { } error } failed && TransientFailures.IsTransient(error) && !cancellationToken.IsCancellationRequested ? failed : null;

    /// <summary>
    /// One entry for a caller that runs no passes of its own (a cluster worker): tried until it succeeds or fails for
    /// good, waiting out outages through <paramref name="monitor"/>, with up to <paramref name="retries"/> more tries after
    /// transient failures that no confirmed outage explains.
    /// </summary>
    internal static async Task<FileResult> AttemptAsync<T>(T entry, Func<T, Task<FileResult>> process, Func<T, string, FileResult> notAttempted,
        OutageMonitor monitor, int retries, CancellationToken cancellationToken, Action<OutageBudgetExceededException>? onGaveUp = null)
    {
        FileFailed? last = null;
        int counted = 0, failedInEpoch = -1;
        for (var tries = 0; tries < MaxTries; tries++)
        {
            if (await WaitForTurnAsync(entry, last is null ? null : [last], (e, reason) => [notAttempted(e, reason)], monitor, onGaveUp, cancellationToken)
                    .ConfigureAwait(false) is [var final])
                return final;
            // Only now is it known whether the last failure was part of an outage (its probe has answered).
            if (last is not null && monitor.Epoch == failedInEpoch && ++counted > retries)
            {
                monitor.Release(null);
                return last;
            }
            failedInEpoch = monitor.Epoch;
            var result = await process(entry).ConfigureAwait(false);
            if (Retriable(result, cancellationToken) is { } failed)
            {
                monitor.Release(failed.Error);
                last = failed;
                continue;
            }
            monitor.Release(null);
            return result;
        }
        return last!;
    }

    /// <summary>Waits until the monitor lets a try start. Null when it may; otherwise the entry's results: its last failures,
    /// or not attempted, when the outage budget ran out or the run was cancelled first.</summary>
    internal static async Task<IReadOnlyList<FileResult>?> WaitForTurnAsync<T>(T entry, IReadOnlyList<FileFailed>? last,
        Func<T, string, IReadOnlyList<FileResult>> notAttempted, OutageMonitor monitor, Action<OutageBudgetExceededException>? onGaveUp,
        CancellationToken cancellationToken)
    {
        try
        {
            await monitor.WaitAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (OutageBudgetExceededException e)
        {
            onGaveUp?.Invoke(e);
            return last is null
                ? notAttempted(entry, "not attempted: " + e.Message)
                : last.Select(f => (FileResult)(f with { Reason = $"{f.Reason}; not tried again: {e.Message}" })).ToList();
        }
        catch (OperationCanceledException)
        {
            return last ?? notAttempted(entry, "not attempted: cancelled");
        }
    }
}

/// <summary>Collects results into a <see cref="TransferSummary"/>; called from the stream's sink only (and <see cref="GaveUp"/> from any thread).</summary>
internal sealed class SummaryBuilder(int maxFailures)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly List<FileFailed> _failures = new();
    private long _transferred, _transferredBytes, _skipped, _skippedBytes, _failed, _notAttempted, _planned, _plannedBytes;
    private volatile string? _gaveUp;

    internal void Add(FileResult r)
    {
        switch (r)
        {
            case FileUploaded u:
                _transferred++;
                // Segments found stored already were not sent: they count as skipped bytes.
                _transferredBytes += u.Bytes - u.BytesReused;
                _skippedBytes += u.BytesReused;
                break;
            case FileDownloaded or FileDeleted:
                _transferred++;
                _transferredBytes += r.Bytes;
                break;
            case FileSkipped:
                _skipped++;
                _skippedBytes += r.Bytes;
                break;
            case FileNotAttempted:
                _notAttempted++;
                break;
            case FilePlanned:
                _planned++;
                _plannedBytes += r.Bytes;
                break;
            case FileFailed f:
                _failed++;
                if (_failures.Count < maxFailures) _failures.Add(f);
                break;
        }
    }

    internal void GaveUp(string reason) => _gaveUp ??= reason;

    internal TransferSummary Build(bool interrupted, IReadOnlyList<Outage>? outages = null) =>
        new(_transferred, _transferredBytes, _skipped, _skippedBytes, _failed, _failures.ToList(), Stopwatch.GetElapsedTime(_started), interrupted)
        {
            NotAttempted = _notAttempted,
            Planned = _planned,
            PlannedBytes = _plannedBytes,
            Outages = outages ?? [],
            OutageBudgetExceeded = _gaveUp,
        };
}
