using Akka.Actor;

namespace OpenStack.Actors.Session;

/// <summary>
/// The facade's reply target for one request: a lighter Ask. Akka's Ask registers a temporary actor with its own path,
/// a timeout source and an async continuation per call; a session is always local and answers by reference, so this
/// ref needs no registration and no path until someone asks for one, and it completes the caller's task itself.
/// A response that arrives after the caller gave up (timeout, cancellation) is disposed, releasing a streamed body.
/// </summary>
internal sealed class ReplyPromise : MinimalActorRef
{
    private readonly TaskCompletionSource<OpenStackResponse> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly OpenStackRequest _request;
    private readonly TimeSpan _limit;
    private Timer? _timer;
    private CancellationTokenRegistration _cancellation;
    private ActorPath? _path;

    private ReplyPromise(IActorRefProvider provider, OpenStackRequest request, TimeSpan limit)
    {
        Provider = provider;
        _request = request;
        _limit = limit;
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
        promise._timer = new Timer(static p => ((ReplyPromise)p!).Expire(), promise, limit, Timeout.InfiniteTimeSpan);
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

    private void Expire() => Complete(null, new RequestTimeoutException(
        $"{_request.Method} {Redaction.Url(new Uri(_request.Url, UriKind.RelativeOrAbsolute))}: no answer from the session within {_limit.TotalSeconds:0.###} s", _limit));

    private bool Complete(OpenStackResponse? response, Exception? error, CancellationToken cancelled = default)
    {
        var first = response is not null ? _reply.TrySetResult(response)
            : error is not null ? _reply.TrySetException(error)
            : _reply.TrySetCanceled(cancelled);
        if (first)
        {
            _timer?.Dispose();
            _cancellation.Unregister();
        }
        return first;
    }
}
