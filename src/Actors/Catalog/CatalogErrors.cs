
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Catalog;

/// <summary>No endpoint in the service catalog matches the filter.</summary>
public sealed class EndpointNotFoundException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public EndpointNotFoundException(ServiceFilter filter, IReadOnlyList<string> available)
        : base($"No endpoint matches {filter}. The catalog offers: {(available.Count == 0 ? "nothing" : string.Join("; ", available))}")
    {
        Filter = filter;
        Available = available;
    }

    /// <summary>The filter that matched nothing.</summary>
    public ServiceFilter Filter { get; }

    /// <summary>What the catalog does offer, one entry per endpoint: type, name, interface, region, url.</summary>
    public IReadOnlyList<string> Available { get; }
}
