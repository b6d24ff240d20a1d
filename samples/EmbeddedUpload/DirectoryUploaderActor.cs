using Akka.Actor;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace EmbeddedUpload;

/// <summary>
/// An application's own actor that uploads a directory by talking to the session with messages: it sends
/// <see cref="OpenStackRequest"/>s (at most <c>maxInFlight</c> at once) and matches the replies by correlation id.
/// For millions of files use the library's <see cref="BatchUploader"/>, or its stages (<see cref="ObjectStoreStreams"/>, as
/// samples/StreamedReports does); this shows the message protocol.
/// </summary>
public sealed class DirectoryUploaderActor : ReceiveActor
{
    /// <summary>Upload every file below <paramref name="Directory"/> into <paramref name="Container"/>.</summary>
    public sealed record UploadDirectory(string Directory, string Container);

    /// <summary>The answer: how many files were stored (each with Swift's ETag equal to the local MD5) and which failed, why.</summary>
    public sealed record DirectoryUploaded(string Container, int Uploaded, IReadOnlyList<string> Failures);

    private sealed record Listed(IReadOnlyList<string> Files);

    private sealed record Hashed(string Path, string Md5);

    private sealed record HashFailed(string Path, string Reason);

    private readonly IActorRef _session;
    private readonly ServiceFilter _objectStore;
    private readonly int _maxInFlight;
    private readonly Queue<string> _todo = new();
    private readonly List<string> _failures = new();
    private IActorRef _replyTo = ActorRefs.Nobody;
    private UploadDirectory _job = null!;
    private int _inFlight;
    private int _uploaded;

    /// <summary>Creates the actor.</summary>
    public DirectoryUploaderActor(IActorRef session, ServiceFilter objectStore, int maxInFlight = 8)
    {
        _session = session;
        _objectStore = objectStore;
        _maxInFlight = maxInFlight;
        Receive<UploadDirectory>(job =>
        {
            _job = job;
            _replyTo = Sender;
            _session.Tell(new OpenStackRequest(HttpMethod.Put, SwiftNames.ContainerPath(job.Container)) { Service = _objectStore, CorrelationId = job });
            Become(CreatingContainer);
        });
    }

    /// <summary>Props for the actor.</summary>
    public static Props Props(IActorRef session, ServiceFilter objectStore, int maxInFlight = 8) =>
        Akka.Actor.Props.Create(() => new DirectoryUploaderActor(session, objectStore, maxInFlight));

    private void CreatingContainer()
    {
        Receive<OpenStackResponse>(_ =>
        {
            // Listing touches the disk: done off the actor's thread, the result piped back.
            var root = _job.Directory;
            Task.Run(() => (IReadOnlyList<string>)Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToList())
                .PipeTo(Self, success: files => new Listed(files), failure: e => new HashFailed(root, e.Message));
            Become(Uploading);
        });
        Receive<RequestFailed>(failed =>
        {
            _replyTo.Tell(new DirectoryUploaded(_job.Container, 0, [$"container {_job.Container}: {failed.Error.Message}"]));
            Context.Stop(Self);
        });
    }

    private void Uploading()
    {
        Receive<Listed>(listed =>
        {
            foreach (var file in listed.Files) _todo.Enqueue(file);
            StartMore();
        });
        Receive<Hashed>(hashed =>
        {
            var name = SwiftNames.ObjectNameFor(_job.Directory, hashed.Path, null);
            var length = new FileInfo(hashed.Path).Length;
            _session.Tell(new OpenStackRequest(HttpMethod.Put, SwiftNames.ObjectPath(_job.Container, name))
            {
                Service = _objectStore,
                // Swift checks the body against this MD5 and refuses a mismatch (422).
                Headers = new Dictionary<string, string> { ["ETag"] = hashed.Md5 },
                Body = RequestBody.FromStreamFactory(() => File.OpenRead(hashed.Path), length),
                CorrelationId = hashed,
            });
        });
        Receive<HashFailed>(failed => Finished(failed.Path, failed.Reason));
        Receive<OpenStackResponse>(response =>
        {
            var sent = (Hashed)response.CorrelationId!;
            if (Checksums.SameETag(response.Header("ETag"), sent.Md5)) Finished(null, null);
            else Finished(sent.Path, $"Swift stored ETag {response.Header("ETag")}, expected {sent.Md5}");
        });
        Receive<RequestFailed>(failed => Finished(((Hashed)failed.CorrelationId!).Path, failed.Error.Message));
    }

    private void StartMore()
    {
        while (_inFlight < _maxInFlight && _todo.TryDequeue(out var path))
        {
            _inFlight++;
            Checksums.Md5OfFileAsync(path).PipeTo(Self, success: md5 => new Hashed(path, md5), failure: e => new HashFailed(path, e.Message));
        }
        if (_inFlight == 0 && _todo.Count == 0)
        {
            _replyTo.Tell(new DirectoryUploaded(_job.Container, _uploaded, _failures));
            Context.Stop(Self);
        }
    }

    private void Finished(string? failedPath, string? reason)
    {
        _inFlight--;
        if (failedPath is null) _uploaded++;
        else _failures.Add($"{failedPath}: {reason}");
        StartMore();
    }
}
