using Akka.Actor;

namespace OpenStack.Actors.Session;

/// <summary>A request the session has not answered yet, with where it is: attempts, token generation, slot, hold.</summary>
internal sealed class PendingRequest(long id, OpenStackRequest request, RequestOptions options, IActorRef replyTo)
{
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
}
