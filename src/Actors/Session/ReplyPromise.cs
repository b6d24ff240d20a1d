using System.Collections.Concurrent;
using Akka.Actor;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Session;

/// <summary>
/// The facade's reply target for one request: a lighter Ask. Akka's Ask registers a temporary actor with its own path,
/// a timeout source and an async continuation per call; a session is always local and answers by reference, so this
/// ref needs no registration and no path until someone asks for one, and it completes the caller's task itself.
/// A response that arrives after the caller gave up (timeout, cancellation) is disposed, releasing a streamed body.
/// The caller's code never runs on the session's thread: an answer from the session (or a timeout, a cancellation)
/// completes the task from a thread-pool work item; a transport's direct answer of a success
/// (<see cref="AnswerInline"/>) completes it on the transport's own thread, where raw HttpClient would continue too.
/// </summary>
internal sealed class ReplyPromise : MinimalActorRef, IThreadPoolWorkItem
{
    /// <summary>How often the outstanding promises are checked against their limits.</summary>
    internal static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    // One timer for the process instead of one per request: a Timer each costs an allocation and two trips through the
    // runtime's timer-queue lock (docs/performance.md has the figures). The limit is a safety net (the session answers
    // within it itself), so a second's precision is enough.
    private static readonly ConcurrentDictionary<long, ReplyPromise> Outstanding = new();
    private static readonly Timer Sweeper = new(static _ => ExpireOverdue(), null, SweepInterval, SweepInterval);   // rooted here, runs for the process
    private static long _lastId;

    private readonly TaskCompletionSource<OpenStackResponse> _reply = new();
    private readonly OpenStackRequest _request;
    private readonly TimeSpan _limit;
    private readonly long _id = Interlocked.Increment(ref _lastId);
    private readonly long _deadline;
    private CancellationTokenRegistration _cancellation;
    private ActorPath? _path;
    private int _completed;
    // What a work item completes the task with (see Execute): the response, the failure, or the cancelled token (boxed).
    private object? _outcome;

    private ReplyPromise(IActorRefProvider provider, OpenStackRequest request, TimeSpan limit)
    {
        Provider = provider;
        _request = request;
        _limit = limit;
        _deadline = Environment.TickCount64 + (long)Math.Min(limit.TotalMilliseconds, long.MaxValue / 2);
    }

    /// <inheritdoc />
    public override IActorRefProvider Provider { get; }

    /// <inheritdoc />
    public override ActorPath Path => _path ??= Provider.TempPath();

    /// <summary>Sends <paramref name="request"/> to the session and completes with its reply: the response, or the typed
    /// failure as the exception; <see cref="RequestTimeoutException"/> when no reply came within <paramref name="limit"/>
    /// (the session answers within it itself, so that is a safety net).</summary>
    internal static Task<OpenStackResponse> SendAsync(IActorRef session, OpenStackRequest request, TimeSpan limit, CancellationToken cancellationToken)
    {
        if (session is not IInternalActorRef { IsLocal: true } local) return AskRemoteAsync(session, request, limit, cancellationToken);
        var promise = new ReplyPromise(local.Provider, request, limit);
        Outstanding[promise._id] = promise;
        if (cancellationToken.CanBeCanceled)
            promise._cancellation = cancellationToken.UnsafeRegister(static (p, token) => ((ReplyPromise)p!).Complete(null, null, token), promise);
        session.Tell(request, promise);
        return promise._reply.Task;
    }

    // A session on another node (not a supported setup: bodies are not serializable) still gets an answer path.
    private static async Task<OpenStackResponse> AskRemoteAsync(IActorRef session, OpenStackRequest request, TimeSpan limit, CancellationToken cancellationToken)
    {
        var reply = await session.Ask<object>(request, limit, cancellationToken).ConfigureAwait(false);
        return reply as OpenStackResponse ?? throw Failure(reply, request);
    }

    private static Exception Failure(object reply, OpenStackRequest request) =>
        reply is RequestFailed failed ? failed.Error : new OpenStackException($"Unexpected reply {reply.GetType().Name} to {request}");

    /// <inheritdoc />
    protected override void TellInternal(object message, IActorRef sender)
    {
        if (message is OpenStackResponse response)
        {
            if (!Complete(response, null)) response.Dispose();
        }
        else
        {
            Complete(null, Failure(message, _request));
        }
    }

    private static void ExpireOverdue()
    {
        var now = Environment.TickCount64;
        foreach (var (id, promise) in Outstanding)
        {
            if (now < promise._deadline) continue;
            Outstanding.TryRemove(id, out _);
            promise.Expire();
        }
    }

    private void Expire() => Complete(null, new RequestTimeoutException(
        $"{_request.Method} {Redaction.Url(new Uri(_request.Url, UriKind.RelativeOrAbsolute))}: no answer from the session within {_limit.TotalSeconds:0.###} s", _limit));

    /// <summary>Completes the task on this thread (its continuation runs here): a transport's answer of a success.</summary>
    internal void AnswerInline(OpenStackResponse response)
    {
        if (Claim()) _reply.TrySetResult(response);
        else response.Dispose();
    }

    /// <summary>Completes the task from a thread-pool work item, if nothing completed it before.</summary>
    private bool Complete(OpenStackResponse? response, Exception? error, CancellationToken cancelled = default)
    {
        if (!Claim()) return false;
        _outcome = (object?)response ?? (object?)error ?? cancelled;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return true;
    }

    private bool Claim()
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0) return false;
        Outstanding.TryRemove(_id, out _);
        _cancellation.Unregister();
        return true;
    }

    /// <inheritdoc />
    void IThreadPoolWorkItem.Execute()
    {
        switch (_outcome)
        {
            case OpenStackResponse response:
                _reply.TrySetResult(response);
                break;
            case Exception error:
                _reply.TrySetException(error);
                break;
            case CancellationToken cancelled:
                _reply.TrySetCanceled(cancelled);
                break;
        }
    }
}
