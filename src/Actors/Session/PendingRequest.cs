using Akka.Actor;
using OpenStack.Actors.Http;
using OpenStack.Actors.Transport;

namespace OpenStack.Actors.Session;

/// <summary>A request the session has not answered yet, with where it is: attempts, token generation, slot, hold.
/// Its one answer is claimed by whoever gives it: the session, or a transport whose exchange succeeded (<see cref="IDirectAnswer"/>).</summary>
internal sealed class PendingRequest(long id, OpenStackRequest request, RequestOptions options, IActorRef replyTo, IActorRef session) : IDirectAnswer
{
    private int _answered;

    public long Id { get; } = id;
    public OpenStackRequest Request { get; } = request;
    public Uri? AbsoluteUrl { get; } = SessionRules.AbsoluteHttpUrl(request.Url);
    public RequestOptions Options { get; } = options;
    public IActorRef ReplyTo { get; } = replyTo;
    /// <summary>Tries so far: sends, and token requests that failed transiently.</summary>
    public int Attempt { get; set; }
    public bool BodySent { get; set; }
    public bool Reauthenticated { get; set; }
    public long? TokenGeneration { get; set; }
    public DateTimeOffset? Deadline { get; set; }
    public EndpointGuard? Slot { get; set; }
    public bool IsProbe { get; set; }
    /// <summary>The endpoint whose open breaker holds this request (<see cref="RequestOptions.WaitForEndpoint"/>), or null.</summary>
    public EndpointGuard? HeldBy { get; set; }
    public DateTimeOffset? HeldSince { get; set; }

    /// <inheritdoc />
    public bool TryClaim() => Interlocked.Exchange(ref _answered, 1) == 0;

    /// <summary>Answers as the session would (its ref as the sender, the correlation id echoed); a task's caller continues on this thread.</summary>
    public void Answer(OpenStackResponse response)
    {
        var reply = Request.CorrelationId is null ? response : response with { CorrelationId = Request.CorrelationId };
        if (ReplyTo is ReplyPromise promise) promise.AnswerInline(reply);
        else ReplyTo.Tell(reply, session);
    }
}
