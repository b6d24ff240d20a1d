using Akka.Actor;
using OpenStack.Actors.Auth;

namespace OpenStack.Actors.Session;

/// <summary>Requests with an API version (<see cref="OpenStackRequest.Api"/>) and <see cref="DiscoverService"/> go to the
/// discovery child first: it resolves the endpoint, version and microversion and sends the request back here resolved,
/// so the one reply still comes from this actor (or, for its own failures, from the child).</summary>
public sealed partial class SessionActor
{
    private IActorRef _discovery = ActorRefs.Nobody;

    private AccessInfo? ValidAccess => _access is not null && (_access.ExpiresAt is not { } exp || Now < exp) ? _access : null;

    private void StartDiscovery() => _discovery = Context.ActorOf(ServiceDiscoveryActor.Props(Self, _settings), "discovery");

    /// <summary>Hands a call to the discovery child with the token this session holds, if still valid (saving it the
    /// round trip to the authenticator).</summary>
    private void ToDiscovery(object message) => _discovery.Tell(new ServiceCall(message, ValidAccess, Sender));
}
