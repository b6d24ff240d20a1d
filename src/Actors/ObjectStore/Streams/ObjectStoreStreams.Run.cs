using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.ObjectStore;

// A run as the CLI's batches compose it from the stages.
public static partial class ObjectStoreStreams
{
    /// <summary>
    /// Runs a source through a flow as the CLI's uploads, downloads and deletes do, and returns the run: every item the
    /// source gives is counted as found, a kill switch after the source is the run's <see cref="TransferRun.Stop"/>, the
    /// flow gets the run's counters, endpoint watch and stop (<see cref="TransferOptions.Progress"/>,
    /// <see cref="TransferOptions.Watch"/>, <see cref="TransferOptions.Stopped"/>) with final passes on, and every result
    /// is recorded in the run's <see cref="TransferTally"/> before it goes to <paramref name="onResult"/>. The summary has
    /// the watch's outages and, when the outage budget ran out, its reason.
    /// </summary>
    /// <typeparam name="TIn">What the source gives and the flow takes.</typeparam>
    /// <param name="source">The source, given the run's options (a <see cref="Listing(ObjectStoreClient, string, ListOptions?, TransferFilter?, TransferOptions)"/>
    /// shares the flow's outage monitor through them).</param>
    /// <param name="flow">The flow, given the run's options (e.g. <see cref="Download(ObjectStoreClient, string, string, TransferOptions)"/>).</param>
    /// <param name="options">The settings, dry run and headers; what the run sets is replaced.</param>
    /// <param name="materializer">Runs the stream.</param>
    /// <param name="onResult">Called once per result, in completion order, from one thread at a time; or null.</param>
    /// <param name="what">The run's name, for its kill switch and for the error when the stream fails ("upload", "download"...).</param>
    /// <param name="cancellationToken">Stops the run and abandons the transfers in flight (they end failed).</param>
    /// <returns>The run; its completion fails with an <see cref="OpenStackException"/> when the stream does (its source or
    /// the flow's preparation failed).</returns>
    public static TransferRun Run<TIn>(Func<TransferOptions, Source<TIn, NotUsed>> source, Func<TransferOptions, Flow<TIn, FileResult, Task>> flow,
        TransferOptions options, IMaterializer materializer, Action<FileResult>? onResult = null, string what = "transfer",
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(materializer);
        var tally = new TransferTally((options.Settings ?? ObjectStoreSettings.Default).MaxFailuresInSummary);
        var watch = new EndpointWatch();
        var killSwitch = KillSwitches.Shared(what);
        var completion = new TaskCompletionSource<TransferSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = new TransferRun(tally.Progress, killSwitch, completion.Task, watch);
        var o = options with { Progress = tally.Progress, Watch = watch, Stopped = run.Stopping, Cancellation = cancellationToken, FinalPass = true };
        var registration = cancellationToken.Register(run.Stop);
        source(o)
            .Select(item =>
            {
                tally.Found();
                return item;
            })
            .Via(killSwitch.Flow<TIn>())
            .Via(flow(o))
            .RunWith(Sink.ForEach<FileResult>(r =>
            {
                tally.Record(r);
                onResult?.Invoke(r);
            }), materializer)
            .ContinueWith(t =>
            {
                registration.Dispose();
                if (t.IsFaulted)
                {
                    var e = t.Exception!.GetBaseException();
                    completion.TrySetException(new OpenStackException($"The {what} stopped: {e.Message}", e));
                }
                else completion.TrySetResult(tally.Summary(run.StopRequested, watch));
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return run;
    }
}
