using Akka.Actor;
using OpenStack.Actors.ObjectStore;

namespace OpenStack.Actors.TestKit.Tests.Support;

// README: the user's actor (src/TestKit/README.md shows it as it is; ReadmeTests checks it).

/// <summary>Asks the backup actor to upload a directory to a container.</summary>
public sealed record BackUp(string Directory, string Container);

/// <summary>Every file is stored.</summary>
public sealed record BackedUp(long Files, int Attempts);

/// <summary>The upload failed; the actor tries again after <see cref="Delay"/> (its timer is set when this is sent, so a
/// test may move virtual time on receiving it).</summary>
public sealed record BackupRetrying(int Attempt, TimeSpan Delay, string Reason);

/// <summary>The actor gave up.</summary>
public sealed record BackupFailed(string Reason);

/// <summary>
/// A "user actor" as a library user would write one: uploads a directory with the library's <see cref="BatchUploader"/>
/// and, when the run fails (the cloud unreachable at the start, files that failed), tries again on its own timer, up to
/// <see cref="MaxAttempts"/> times. It knows nothing of the test kit.
/// </summary>
public sealed class BackupActor : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMinutes(1);
    public const int MaxAttempts = 5;

    private readonly BatchUploader _uploader;
    private BackUp? _job;
    private IActorRef _replyTo = ActorRefs.Nobody;
    private int _attempt;

    public BackupActor(BatchUploader uploader)
    {
        _uploader = uploader;
        Receive<BackUp>(job =>
        {
            (_job, _replyTo, _attempt) = (job, Sender, 0);
            Start();
        });
        Receive<TransferSummary>(summary =>
        {
            if (summary.Success) _replyTo.Tell(new BackedUp(summary.Transferred, _attempt));
            else Retry($"{summary.Failed} files failed, {summary.NotAttempted} not attempted");
        });
        Receive<Status.Failure>(failure => Retry(failure.Cause.Message));
        Receive<TryAgain>(_ => Start());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(BatchUploader uploader) => Akka.Actor.Props.Create(() => new BackupActor(uploader));

    private void Start()
    {
        _attempt++;
        _uploader.UploadAsync(new UploadJob(_job!.Directory, _job.Container)).PipeTo(Self);
    }

    private void Retry(string reason)
    {
        if (_attempt >= MaxAttempts)
        {
            _replyTo.Tell(new BackupFailed(reason));
            return;
        }
        Timers.StartSingleTimer("retry", TryAgain.Instance, RetryDelay);
        _replyTo.Tell(new BackupRetrying(_attempt, RetryDelay, reason));
    }

    private sealed record TryAgain
    {
        public static readonly TryAgain Instance = new();
    }
}
// README: end
