using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Akka.Actor;
using OpenStack.Actors.Session;

namespace OpenStack.Actors.TestKit;

/// <summary>
/// The actor a <see cref="FakeSession"/> hands out: the parent of the real <see cref="SessionActor"/> and of the
/// <see cref="FakeCloudActor"/> it sends through. Every message goes on to the session unchanged (the sender kept), but
/// a request's headers are wrapped so that the cloud can tell which request, from whom, each attempt belongs to.
/// Stopping this actor stops the session, which answers what is still open, as the real one does.
/// </summary>
internal sealed class FakeSessionFront : ReceiveActor
{
    public FakeSessionFront(FakeSessionState state, Props cloud, Func<IActorRef, Props> session)
    {
        var cloudRef = Context.ActorOf(cloud, "cloud");
        var sessionRef = Context.ActorOf(session(cloudRef), "session");
        Receive<OpenStackRequest>(request => sessionRef.Forward(request with { Headers = state.Forwarded(request, Sender) }));
        Receive<StatsBarrier>(_ => cloudRef.Forward(new StatsBarrier(sessionRef)));
        ReceiveAny(message => sessionRef.Forward(message));
    }

    public static Props Props(FakeSessionState state, Props cloud, Func<IActorRef, Props> session) =>
        Akka.Actor.Props.Create(() => new FakeSessionFront(state, cloud, session));
}

/// <summary>Asks the session for its stats through the cloud, so that the answer comes after the session has handled
/// every reply the cloud sent before. <see cref="Session"/> is set by the front.</summary>
internal sealed record StatsBarrier(IActorRef? Session);

/// <summary>A request's headers, unchanged, that also name the request and its sender; the session passes the headers
/// object on to its transport as it is unless it adds headers (see <see cref="FakeSessionState.OriginOf"/>).</summary>
internal sealed class TrackedHeaders(OpenStackRequest request, IActorRef sender) : IReadOnlyDictionary<string, string>
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();
    private readonly IReadOnlyDictionary<string, string> _inner = request.Headers ?? None;

    /// <summary>The request as its sender sent it.</summary>
    public OpenStackRequest Request { get; } = request;

    public IActorRef Sender { get; } = sender;

    public string this[string key] => _inner[key];

    public IEnumerable<string> Keys => _inner.Keys;

    public IEnumerable<string> Values => _inner.Values;

    public int Count => _inner.Count;

    public bool ContainsKey(string key) => _inner.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value) => _inner.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _inner.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
