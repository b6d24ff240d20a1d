namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// How a flow of <see cref="ObjectStoreStreams"/> runs, beyond its settings: the counters it feeds, where its outages are
/// reported, whether transient failures are retried in place or in end-of-run passes, whether it only plans. With these a
/// program composes what the CLI runs: a source, a kill switch, the flow with <see cref="FinalPass"/>, a sink that records
/// each result in a <see cref="TransferTally"/> whose summary takes the <see cref="Watch"/>.
/// </summary>
public sealed record TransferOptions
{
    /// <summary>Transfers, bytes in flight, skip mode, segment size, outage budget and retries; null takes the client's.</summary>
    public ObjectStoreSettings? Settings { get; init; }

    /// <summary>Counters the flow adds its bytes sent and transfers in flight to (<see cref="TransferTally.Progress"/>);
    /// results and files found are the caller's to record. Null: none.</summary>
    public TransferProgress? Progress { get; init; }

    /// <summary>Told of the endpoint's health and outages while the flow runs, and of the outage budget running out; null: none.</summary>
    public EndpointWatch? Watch { get; init; }

    /// <summary>
    /// False (the default): an item that fails transiently is tried again at once, up to
    /// <see cref="ObjectStoreSettings.Retries"/> times, as a cluster worker tries a file. True: it waits, and once the
    /// upstream has completed and every other item has ended the waiting items are tried again, in up to
    /// <see cref="ObjectStoreSettings.Retries"/> passes (a failure that a confirmed outage explains uses none up), as the
    /// CLI's runs do; after <see cref="Stopped"/> the waiting items end with their last failures, which say so. Upload and
    /// download flows honour it; a streamed upload item (see <see cref="UploadItem"/>) is read once and always retried in place.
    /// </summary>
    public bool FinalPass { get; init; }

    /// <summary>Once cancelled, the final passes try nothing again (put the run's graceful stop here, with the kill switch
    /// that stops its source).</summary>
    public CancellationToken Stopped { get; init; }

    /// <summary>Abandons the transfers in flight (they end failed, and are not tried again).</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Plan only: each item ends as a <see cref="FilePlanned"/> (or skipped, as it would be), and nothing is
    /// written: no object, no local file or directory; the container is only asked about.</summary>
    public bool DryRun { get; init; }

    /// <summary>For uploads: when a large object's upload is abandoned (<see cref="Cancellation"/>) or one of its segments
    /// fails for good, keep the segments it stored, for a rerun to find and not send again (the CLI's runs do). False
    /// (the default): they are deleted, and a manifest whose segments are all stored is sent whatever the cancellation, so
    /// no segment is left that no manifest uses. A streamed item's segments are deleted either way (a rerun cannot reuse them).</summary>
    public bool KeepSegments { get; init; }

    /// <summary>For uploads of local files: headers for every object (see <see cref="UploadJob.Headers"/>), or null.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}
