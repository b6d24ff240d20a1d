using Akka.Actor;

namespace OpenStack.Actors.Session;

/// <summary>
/// Published on the ActorSystem's EventStream when an endpoint's circuit breaker opens: the session sends it nothing
/// (requests fail fast, or wait with <see cref="RequestOptions.WaitForEndpoint"/>) until a probe succeeds. Subscribe to
/// pause a pipeline of one's own.
/// </summary>
/// <param name="Session">The SessionActor that saw it.</param>
/// <param name="Endpoint">scheme://host:port.</param>
/// <param name="Since">When the breaker opened.</param>
/// <param name="Reason">The last failure, in words (no secrets).</param>
public sealed record EndpointDown(IActorRef Session, string Endpoint, DateTimeOffset Since, string Reason);

/// <summary>Published on the EventStream when a probe succeeded and the endpoint's breaker closed again.</summary>
/// <param name="Session">The SessionActor that saw it.</param>
/// <param name="Endpoint">scheme://host:port.</param>
/// <param name="DownSince">When it went down.</param>
/// <param name="DownFor">How long it was down.</param>
public sealed record EndpointUp(IActorRef Session, string Endpoint, DateTimeOffset DownSince, TimeSpan DownFor);
