namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// The live counters and the summary of a run that a program assembles itself from the stages (<see cref="ObjectStoreStreams"/>)
/// or spreads over nodes (a cluster coordinator): each result recorded once updates both, so a progress display and the
/// final <see cref="TransferSummary"/> agree with those of the CLI's runs. <see cref="Record"/> and <see cref="Summary(bool)"/>
/// are called from one thread at a time (a sink, an actor); the counters are safe to read from any.
/// </summary>
public sealed class TransferTally
{
    private readonly SummaryBuilder _summary;

    /// <summary>A tally with counters of its own.</summary>
    /// <param name="maxFailuresInSummary">How many failures the summary lists (<see cref="ObjectStoreSettings.MaxFailuresInSummary"/>).</param>
    public TransferTally(int maxFailuresInSummary) : this(maxFailuresInSummary, new TransferProgress())
    {
    }

    internal TransferTally(int maxFailuresInSummary, TransferProgress progress)
    {
        _summary = new SummaryBuilder(maxFailuresInSummary);
        Progress = progress;
    }

    /// <summary>The live counters.</summary>
    public TransferProgress Progress { get; }

    /// <summary>Counts files found (by a walk or a listing) that will each get a result.</summary>
    public void Found(int files = 1) => Progress.Found(files);

    /// <summary>A transfer started elsewhere (on another node): in flight until <see cref="TransferEnded"/>.</summary>
    public void TransferStarted() => Progress.TransferStarted();

    /// <summary>A transfer counted by <see cref="TransferStarted"/> ended.</summary>
    public void TransferEnded() => Progress.TransferEnded();

    /// <summary>Adds bytes sent (as another node reports them) to the wire counter.</summary>
    public void BytesSent(long bytes) => Progress.BytesSent(bytes);

    /// <summary>Counts one file's result into the counters and the summary.</summary>
    public void Record(FileResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Progress.Record(result);
        _summary.Add(result);
    }

    /// <summary>The summary of what was recorded, with <paramref name="interrupted"/> when the run was stopped before every file was seen.</summary>
    public TransferSummary Summary(bool interrupted) => _summary.Build(interrupted);

    /// <summary>The summary of what was recorded, with the outages <paramref name="watch"/> saw and, when the outage budget
    /// ran out, its reason (<see cref="TransferSummary.OutageBudgetExceeded"/>).</summary>
    /// <param name="interrupted">The run was stopped before every file was seen.</param>
    /// <param name="watch">The flow's endpoint watch (<see cref="TransferOptions.Watch"/>), or null.</param>
    public TransferSummary Summary(bool interrupted, EndpointWatch? watch)
    {
        if (watch?.OutageBudgetExceeded is { } reason) _summary.GaveUp(reason);
        return _summary.Build(interrupted, watch?.Outages);
    }
}
