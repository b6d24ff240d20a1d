using System.Diagnostics;

namespace OpenStack.Actors.ObjectStore;

/// <summary>An upload of a directory tree, or of one file, into a container.</summary>
/// <param name="Source">The directory to walk, or the one file to upload.</param>
/// <param name="Container">The container (created if missing; large objects' segments go to <c>&lt;container&gt;_segments</c>).</param>
public sealed record UploadJob(string Source, string Container)
{
    /// <summary>Put before every object name (a pseudo-directory), or null.</summary>
    public string? Prefix { get; init; }

    /// <summary>When <see cref="Source"/> is a file: its object name (after <see cref="Prefix"/>); null takes the file's name.
    /// Not allowed with a directory.</summary>
    public string? ObjectName { get; init; }

    /// <summary>Transfers, segment size, skip mode...; null takes the client's settings.</summary>
    public ObjectStoreSettings? Settings { get; init; }

    /// <summary>Which files to upload (their paths below <see cref="Source"/>, or a single file's name, are matched,
    /// without the prefix); null uploads every file.</summary>
    public TransferFilter? Filter { get; init; }

    /// <summary>Decide as a real run would (listing, HEADs, hashes) but write nothing, not even the container: each file that
    /// would be sent ends as <see cref="FilePlanned"/>.</summary>
    public bool DryRun { get; init; }

    /// <summary>Headers for every object stored (<c>X-Object-Meta-*</c>, <c>X-Delete-After</c>, <c>Content-Type</c>...;
    /// checked by <see cref="UploadHeaders.Validate"/>); on a Static Large Object they go on its manifest. Without a
    /// <c>Content-Type</c> each object's is guessed from its file name. They play no part in the skip decision: an object
    /// of the same content is skipped even when its metadata differs (as rclone and <c>swift upload</c> do).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}

/// <summary>An upload of a stream of unknown length (standard input) as one object: sent as one PUT while it fits in
/// one segment, as a Static Large Object of segments once it outgrows one.</summary>
/// <param name="Container">The container (created if missing; segments go to <c>&lt;container&gt;_segments</c>).</param>
/// <param name="ObjectName">The object's name.</param>
public sealed record StreamUploadJob(string Container, string ObjectName)
{
    /// <summary>Segment size and timeouts; null takes the client's settings. The skip mode plays no part: a stream is
    /// always sent.</summary>
    public ObjectStoreSettings? Settings { get; init; }

    /// <summary>Headers for the object (the manifest of a large one), as <see cref="UploadJob.Headers"/>; without a
    /// <c>Content-Type</c> it is guessed from <see cref="ObjectName"/>.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}

/// <summary>A download of a container's objects (or those under a prefix) into a directory.</summary>
/// <param name="Container">The container.</param>
/// <param name="TargetDirectory">Objects are written to <c>TargetDirectory/&lt;object name&gt;</c>.</param>
public sealed record DownloadJob(string Container, string TargetDirectory)
{
    /// <summary>Only objects whose names start with this.</summary>
    public string? Prefix { get; init; }

    /// <summary>Transfers and skip mode; null takes the client's settings. With skip md5, a local file of the same MD5 is kept.</summary>
    public ObjectStoreSettings? Settings { get; init; }

    /// <summary>Which objects to download (their names after <see cref="Prefix"/> are matched, with their listed sizes and
    /// last-modified times); null downloads every object.</summary>
    public TransferFilter? Filter { get; init; }

    /// <summary>Decide as a real run would (listing, local hashes) but write no file: each object that would be fetched ends
    /// as <see cref="FilePlanned"/>.</summary>
    public bool DryRun { get; init; }
}

/// <summary>The outcome for one file (of an upload) or object (of a download).</summary>
/// <param name="Path">The local path.</param>
/// <param name="ObjectName">The object name (null when none could be formed).</param>
/// <param name="Bytes">The size.</param>
public abstract record FileResult(string Path, string? ObjectName, long Bytes)
{
    /// <summary>How the file ended; the subtype carries the details.</summary>
    public abstract FileStatus Status { get; }
}

/// <summary>How a file or object of a batch ended (the <c>status</c> of a report entry, see <see cref="FileStatusNames"/>).</summary>
public enum FileStatus
{
    /// <summary>Stored, its MD5 verified by Swift.</summary>
    Uploaded,

    /// <summary>Written to a local file, its MD5 verified.</summary>
    Downloaded,

    /// <summary>Left as it was: stored (or present locally) already, or ignored.</summary>
    Skipped,

    /// <summary>Failed for a reason a rerun would not fix, or after the retries.</summary>
    Failed,

    /// <summary>Deleted (or found gone already).</summary>
    Deleted,

    /// <summary>Not tried: the run stopped first (outage budget, stop).</summary>
    NotAttempted,

    /// <summary>A dry run would transfer or delete it (<see cref="FilePlanned"/>).</summary>
    Planned,
}

/// <summary>The names of <see cref="FileStatus"/> values in reports and on the wire: lower case, words joined by <c>-</c>.</summary>
public static class FileStatusNames
{
    /// <summary><c>uploaded</c>, <c>downloaded</c>, <c>skipped</c>, <c>failed</c>, <c>deleted</c>, <c>not-attempted</c> or <c>planned</c>.</summary>
    public static string Name(this FileStatus status) => status switch
    {
        FileStatus.Uploaded => "uploaded",
        FileStatus.Downloaded => "downloaded",
        FileStatus.Skipped => "skipped",
        FileStatus.Failed => "failed",
        FileStatus.Deleted => "deleted",
        FileStatus.Planned => "planned",
        _ => "not-attempted",
    };
}

/// <summary>The file was stored, its MD5 verified by Swift.</summary>
/// <param name="Path">The local path.</param>
/// <param name="ObjectName">The object name.</param>
/// <param name="Bytes">The size.</param>
/// <param name="ETag">The object's ETag (for a large object, the MD5 of its segments' MD5s).</param>
/// <param name="Segments">Segments of a Static Large Object; 0 for an ordinary object.</param>
/// <param name="SegmentsReused">Segments found stored already (same name and MD5) and not sent again.</param>
/// <param name="Elapsed">Time from the start of this file to its end.</param>
public sealed record FileUploaded(string Path, string ObjectName, long Bytes, string ETag, int Segments, int SegmentsReused, TimeSpan Elapsed)
    : FileResult(Path, ObjectName, Bytes)
{
    /// <inheritdoc />
    public override FileStatus Status => FileStatus.Uploaded;

    /// <summary>Something that went wrong after the object was stored (old segments not deleted), or null.</summary>
    public string? Warning { get; init; }

    /// <summary>Bytes of the reused segments: stored already, so not sent by this run.</summary>
    public long BytesReused { get; init; }
}

/// <summary>The object was downloaded and verified.</summary>
/// <param name="Path">The local path.</param>
/// <param name="ObjectName">The object name.</param>
/// <param name="Bytes">The size.</param>
/// <param name="ETag">The object's ETag.</param>
/// <param name="Elapsed">Time taken.</param>
public sealed record FileDownloaded(string Path, string ObjectName, long Bytes, string? ETag, TimeSpan Elapsed) : FileResult(Path, ObjectName, Bytes)
{
    /// <inheritdoc />
    public override FileStatus Status => FileStatus.Downloaded;
}

/// <summary>Nothing needed sending: the object is stored already (or the path is left out on purpose).</summary>
/// <param name="Path">The local path.</param>
/// <param name="ObjectName">The object name.</param>
/// <param name="Bytes">The size.</param>
/// <param name="Reason">Why: <c>identical</c>, <c>unchanged</c>, or what was left out.</param>
public sealed record FileSkipped(string Path, string? ObjectName, long Bytes, string Reason) : FileResult(Path, ObjectName, Bytes)
{
    /// <inheritdoc />
    public override FileStatus Status => FileStatus.Skipped;
}

/// <summary>The file could not be transferred; the others went on.</summary>
/// <param name="Path">The local path.</param>
/// <param name="ObjectName">The object name, if one was formed.</param>
/// <param name="Bytes">The size, if known.</param>
/// <param name="Reason">Why, in words (no secrets).</param>
public sealed record FileFailed(string Path, string? ObjectName, long Bytes, string Reason) : FileResult(Path, ObjectName, Bytes)
{
    /// <inheritdoc />
    public override FileStatus Status => FileStatus.Failed;

    /// <summary>The exception, when there was one (not serialised in reports).</summary>
    public Exception? Error { get; init; }
}

/// <summary>The object was deleted (a Static Large Object with its segments).</summary>
/// <param name="Path">The container and object name.</param>
/// <param name="ObjectName">The object name.</param>
public sealed record FileDeleted(string Path, string ObjectName) : FileResult(Path, ObjectName, 0)
{
    /// <inheritdoc />
    public override FileStatus Status => FileStatus.Deleted;
}

/// <summary>A dry run's answer: this file or object would be transferred or deleted; nothing was written.</summary>
/// <param name="Path">The local path (for a delete, the container and object name).</param>
/// <param name="ObjectName">The object name.</param>
/// <param name="Bytes">The size.</param>
/// <param name="Action">What a real run would do with it.</param>
public sealed record FilePlanned(string Path, string? ObjectName, long Bytes, TransferAction Action) : FileResult(Path, ObjectName, Bytes)
{
    /// <inheritdoc />
    public override FileStatus Status => FileStatus.Planned;
}

/// <summary>What a run does with a file or object.</summary>
public enum TransferAction
{
    /// <summary>Stores the local file as the object.</summary>
    Upload,

    /// <summary>Writes the object to a local file.</summary>
    Download,

    /// <summary>Deletes the object (a large object with its segments).</summary>
    Delete,
}

/// <summary>The run stopped before this file was tried (its endpoint was down for longer than the outage budget):
/// nothing of it was sent, and running the same command again transfers it.</summary>
/// <param name="Path">The local path.</param>
/// <param name="ObjectName">The object name, if one was formed.</param>
/// <param name="Bytes">The size, if known.</param>
/// <param name="Reason">Why, e.g. <c>not attempted: http://swift:8080 down since 10:41:03 UTC, ...</c>.</param>
public sealed record FileNotAttempted(string Path, string? ObjectName, long Bytes, string Reason) : FileResult(Path, ObjectName, Bytes)
{
    /// <inheritdoc />
    public override FileStatus Status => FileStatus.NotAttempted;
}

/// <summary>The end of an upload or download.</summary>
/// <param name="Transferred">Files uploaded (or objects downloaded).</param>
/// <param name="TransferredBytes">Their bytes.</param>
/// <param name="Skipped">Files skipped.</param>
/// <param name="SkippedBytes">Their bytes.</param>
/// <param name="Failed">Files that failed.</param>
/// <param name="Failures">The failures, the first <see cref="ObjectStoreSettings.MaxFailuresInSummary"/> of them.</param>
/// <param name="Elapsed">Duration.</param>
/// <param name="Interrupted">True when the run was stopped before every file was seen (Ctrl-C): a rerun completes it.</param>
public sealed record TransferSummary(long Transferred, long TransferredBytes, long Skipped, long SkippedBytes, long Failed,
    IReadOnlyList<FileFailed> Failures, TimeSpan Elapsed, bool Interrupted)
{
    /// <summary>Files not tried because the endpoint was down for longer than the outage budget.</summary>
    public long NotAttempted { get; init; }

    /// <summary>Each time the endpoint stopped answering during the run: when, for how long, and why.</summary>
    public IReadOnlyList<Outage> Outages { get; init; } = [];

    /// <summary>Why the run stopped early when its endpoint was down for longer than the outage budget; null when it did not.</summary>
    public string? OutageBudgetExceeded { get; init; }

    /// <summary>Files a dry run would have transferred or deleted (<see cref="FilePlanned"/>), and their bytes.</summary>
    public long Planned { get; init; }

    /// <summary>The bytes of the <see cref="Planned"/> files.</summary>
    public long PlannedBytes { get; init; }

    /// <summary>True when nothing failed, nothing was left out, and the run was not interrupted.</summary>
    public bool Success => Failed == 0 && NotAttempted == 0 && OutageBudgetExceeded is null && !Interrupted;
}

/// <summary>Live counters of a running transfer, safe to read from any thread (for progress displays).</summary>
public sealed class TransferProgress
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _found, _transferred, _skipped, _failed, _notAttempted, _bytesSent, _bytesSkipped, _bytesDone, _inFlight;

    /// <summary>A consistent-enough snapshot of the counters.</summary>
    public TransferProgressSnapshot Snapshot() => new(
        Interlocked.Read(ref _found), Interlocked.Read(ref _transferred), Interlocked.Read(ref _skipped), Interlocked.Read(ref _failed),
        Interlocked.Read(ref _bytesSent), Interlocked.Read(ref _bytesSkipped), Interlocked.Read(ref _bytesDone), Interlocked.Read(ref _inFlight),
        Stopwatch.GetElapsedTime(_started)) { NotAttempted = Interlocked.Read(ref _notAttempted) };

    internal void Found(int files = 1) => Interlocked.Add(ref _found, files);
    internal void BytesSent(long n) => Interlocked.Add(ref _bytesSent, n);
    internal void BytesSkipped(long n) => Interlocked.Add(ref _bytesSkipped, n);
    internal void TransferStarted() => Interlocked.Increment(ref _inFlight);
    internal void TransferEnded() => Interlocked.Decrement(ref _inFlight);

    internal void Record(FileResult result)
    {
        switch (result)
        {
            case FileUploaded or FileDownloaded or FileDeleted or FilePlanned: Interlocked.Increment(ref _transferred); break;
            case FileSkipped s:
                Interlocked.Increment(ref _skipped);
                Interlocked.Add(ref _bytesSkipped, s.Bytes);
                break;
            case FileNotAttempted: Interlocked.Increment(ref _notAttempted); break;
            default: Interlocked.Increment(ref _failed); break;
        }
        Interlocked.Add(ref _bytesDone, result.Bytes);
    }
}

/// <summary>Counters of a transfer at one moment.</summary>
/// <param name="FilesFound">Files the walk (or listing) has produced so far.</param>
/// <param name="Transferred">Files finished by sending (or receiving) them.</param>
/// <param name="Skipped">Files skipped.</param>
/// <param name="Failed">Files failed.</param>
/// <param name="BytesSent">Bytes read into requests (or received), resends included: the wire rate.</param>
/// <param name="BytesSkipped">Bytes not sent because they were stored already (files and segments).</param>
/// <param name="BytesDone">Sizes of the files finished, whatever the outcome.</param>
/// <param name="InFlight">Transfers running.</param>
/// <param name="Elapsed">Time since the start.</param>
public sealed record TransferProgressSnapshot(long FilesFound, long Transferred, long Skipped, long Failed, long BytesSent, long BytesSkipped,
    long BytesDone, long InFlight, TimeSpan Elapsed)
{
    /// <summary>Files not tried because the endpoint was down for longer than the outage budget.</summary>
    public long NotAttempted { get; init; }

    /// <summary>Files finished.</summary>
    public long FilesDone => Transferred + Skipped + Failed + NotAttempted;
}
