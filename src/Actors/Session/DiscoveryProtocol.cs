using Akka.Actor;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Discovery;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Session;

/// <summary>
/// Asks the SessionActor which endpoint (and version) it would send a service's requests to, discovering the service's
/// versions when <see cref="Api"/> needs them. The reply is exactly one <see cref="ServiceDiscovered"/> or <see cref="RequestFailed"/>.
/// </summary>
/// <param name="Service">Chooses the catalog endpoint.</param>
/// <param name="Api">The version wanted; <see cref="ApiVersionRequest.Discover"/> fetches the document without one.</param>
public sealed record DiscoverService(ServiceFilter Service, ApiVersionRequest Api)
{
    /// <summary>Echoed in the reply.</summary>
    public object? CorrelationId { get; init; }

    /// <summary>Readable.</summary>
    public override string ToString() => $"DiscoverService {Service} {Api}";
}

/// <summary>The reply to <see cref="DiscoverService"/>.</summary>
/// <param name="Endpoint">The endpoint, the chosen version and the negotiated microversion.</param>
public sealed record ServiceDiscovered(ServiceEndpoint Endpoint)
{
    /// <summary>Echo of <see cref="DiscoverService.CorrelationId"/>.</summary>
    public object? CorrelationId { get; init; }
}

/// <summary>A request or discovery the SessionActor hands its discovery child, with who gets the one reply and the access
/// the session holds (null when it has none that is still valid).</summary>
internal sealed record ServiceCall(object Message, AccessInfo? Access, IActorRef ReplyTo);
