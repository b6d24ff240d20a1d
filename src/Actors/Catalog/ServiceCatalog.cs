using System.Collections.Concurrent;
using System.Text.Json;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Catalog;

/// <summary>One endpoint of a Keystone v3 catalog.</summary>
public sealed record CatalogEndpoint(string ServiceType, string? ServiceName, string Interface, string? Region, string? RegionId, Uri Url)
{
    /// <summary>A one-line description for error messages and <c>catalog list</c>.</summary>
    public override string ToString() =>
        $"{ServiceType}{(ServiceName is null ? "" : $" ({ServiceName})")} {Interface} {Region ?? RegionId ?? "-"} {Url}";
}

/// <summary>
/// The service catalog that came with a token, or a single fixed endpoint for clouds without Keystone.
/// Immutable and shared between actors.
/// </summary>
public sealed class ServiceCatalog
{
    private const int MaxRemembered = 64;
    private readonly Uri? _anyService;
    // The endpoint each filter chose, by the filter's reference: the catalog is immutable, and a session resolves the
    // same few filters (cached instances such as ServiceFilter.ObjectStore, a ServiceClient's own) for every request.
    private readonly ConcurrentDictionary<ServiceFilter, Uri> _chosen = new(ReferenceEqualityComparer.Instance);

    private ServiceCatalog(IReadOnlyList<CatalogEndpoint> endpoints, Uri? anyService)
    {
        Endpoints = endpoints;
        _anyService = anyService;
    }

    /// <summary>The one endpoint of a <see cref="SingleEndpoint"/> catalog, else null.</summary>
    public Uri? SingleEndpointUri => _anyService;

    /// <summary>The endpoints, in catalog order.</summary>
    public IReadOnlyList<CatalogEndpoint> Endpoints { get; }

    /// <summary>An empty catalog (an unscoped token has none).</summary>
    public static ServiceCatalog Empty { get; } = new([], null);

    /// <summary>A catalog that answers every filter with one endpoint (the static authenticator's).</summary>
    public static ServiceCatalog SingleEndpoint(Uri endpoint) => new([], endpoint);

    /// <summary>A catalog of the given endpoints.</summary>
    public static ServiceCatalog Of(IEnumerable<CatalogEndpoint> endpoints) => new(endpoints.ToList(), null);

    /// <summary>Parses the <c>catalog</c> array of a Keystone v3 token body.</summary>
    /// <exception cref="OpenStackException">The JSON is not a v3 catalog.</exception>
    public static ServiceCatalog ParseV3(JsonElement catalog)
    {
        if (catalog.ValueKind != JsonValueKind.Array)
            throw new OpenStackException($"Malformed service catalog: expected a JSON array, got {catalog.ValueKind}");
        var endpoints = new List<CatalogEndpoint>();
        foreach (var service in catalog.EnumerateArray())
        {
            if (service.ValueKind != JsonValueKind.Object
                || !service.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw new OpenStackException("Malformed service catalog: a service has no 'type'");
            var name = service.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (!service.TryGetProperty("endpoints", out var eps) || eps.ValueKind != JsonValueKind.Array) continue;
            foreach (var ep in eps.EnumerateArray())
            {
                var url = Str(ep, "url");
                var iface = Str(ep, "interface");
                if (url is null || iface is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
                    throw new OpenStackException($"Malformed service catalog: an endpoint of '{type.GetString()}' lacks a valid url or interface");
                endpoints.Add(new CatalogEndpoint(type.GetString()!, name, iface, Str(ep, "region"), Str(ep, "region_id"), uri));
            }
        }
        return new ServiceCatalog(endpoints, null);

        static string? Str(JsonElement e, string key) =>
            e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    /// <summary>The endpoint chosen by the filter.</summary>
    /// <exception cref="EndpointNotFoundException">Nothing matches; the message lists what the catalog offers.</exception>
    public Uri Resolve(ServiceFilter filter)
    {
        if (filter.EndpointOverride is not null) return filter.EndpointOverride;
        if (_anyService is not null) return _anyService;
        if (_chosen.TryGetValue(filter, out var chosen)) return chosen;
        chosen = Choose(filter);
        if (_chosen.Count < MaxRemembered) _chosen.TryAdd(filter, chosen);
        return chosen;
    }

    private Uri Choose(ServiceFilter filter)
    {
        var type = ServiceTypes.Canonical(filter.ServiceType);
        var version = NormalizeVersion(filter.Version) ?? NormalizeVersion(ServiceTypes.VersionOfAlias(filter.ServiceType));
        foreach (var wanted in filter.Interfaces)
        {
            var iface = NormalizeInterface(wanted);
            foreach (var ep in Endpoints)
            {
                if (ServiceTypes.Canonical(ep.ServiceType) != type) continue;
                if (NormalizeInterface(ep.Interface) != iface) continue;
                if (filter.Region is not null && filter.Region != ep.Region && filter.Region != ep.RegionId) continue;
                if (filter.ServiceName is not null && !string.Equals(filter.ServiceName, ep.ServiceName, StringComparison.OrdinalIgnoreCase)) continue;
                if (version is not null && !HasVersion(ep, version)) continue;
                return ep.Url;
            }
        }
        throw new EndpointNotFoundException(filter, Endpoints.Select(e => e.ToString()).ToList());
    }

    /// <summary>True when the url's scheme, host and port belong to an endpoint of this catalog
    /// (so a token may be sent there).</summary>
    public bool Contains(Uri url)
    {
        if (_anyService is not null) return Origins.SameOrigin(_anyService, url);
        foreach (var ep in Endpoints)
            if (Origins.SameOrigin(ep.Url, url)) return true;
        return false;
    }


    private static string NormalizeInterface(string iface)
    {
        var i = iface.Trim().ToLowerInvariant();
        return i.EndsWith("url", StringComparison.Ordinal) ? i[..^3] : i;
    }

    private static string? NormalizeVersion(string? version)
    {
        if (string.IsNullOrWhiteSpace(version)) return null;
        var v = version.Trim().TrimStart('v', 'V');
        var dot = v.IndexOf('.');
        return dot < 0 ? v : v[..dot];
    }

    private static bool HasVersion(CatalogEndpoint ep, string major)
    {
        if (NormalizeVersion(ServiceTypes.VersionOfAlias(ep.ServiceType)) == major) return true;
        foreach (var segment in ep.Url.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment.Length < 2 || (segment[0] != 'v' && segment[0] != 'V') || !char.IsDigit(segment[1])) continue;
            if (NormalizeVersion(segment) == major) return true;
        }
        return false;
    }
}
