namespace OpenStack.Actors.Catalog;

/// <summary>
/// Chooses an endpoint from the service catalog, as keystoneauth's endpoint filter does:
/// service type (official aliases accepted), interface preference, region, service name and API version,
/// or an explicit endpoint override that bypasses the catalog.
/// </summary>
public sealed record ServiceFilter
{
    /// <summary>Creates a filter for a service type (e.g. <c>object-store</c>, <c>object_store</c>, <c>volumev3</c>).</summary>
    public ServiceFilter(string serviceType) => ServiceType = serviceType;

    /// <summary>The service type as given; matching uses <see cref="ServiceTypes.Canonical"/>.</summary>
    public string ServiceType { get; init; }

    /// <summary>Interfaces in order of preference: <c>public</c>, <c>internal</c>, <c>admin</c>.</summary>
    public IReadOnlyList<string> Interfaces { get; init; } = DefaultInterfaces;

    /// <summary>Region name or id; null accepts any region.</summary>
    public string? Region { get; init; }

    /// <summary>Service name (e.g. <c>swift</c>); null accepts any name.</summary>
    public string? ServiceName { get; init; }

    /// <summary>Major API version (e.g. <c>1</c>, <c>v3</c>); null accepts any.</summary>
    public string? Version { get; init; }

    /// <summary>Use this endpoint instead of the catalog (like <c>endpoint_override</c>).</summary>
    public Uri? EndpointOverride { get; init; }

    /// <summary>The default interface preference: public only.</summary>
    public static readonly IReadOnlyList<string> DefaultInterfaces = ["public"];

    /// <summary>Object storage (Swift).</summary>
    public static ServiceFilter ObjectStore { get; } = new("object-store");

    /// <summary>Identity (Keystone).</summary>
    public static ServiceFilter Identity { get; } = new("identity");

    /// <summary>This filter with one interface, or a preference list.</summary>
    public ServiceFilter WithInterface(params string[] interfaces) => this with { Interfaces = interfaces };

    /// <summary>This filter restricted to a region.</summary>
    public ServiceFilter InRegion(string? region) => this with { Region = region };

    /// <inheritdoc />
    public bool Equals(ServiceFilter? other) =>
        other is not null
        && ServiceTypes.Canonical(ServiceType) == ServiceTypes.Canonical(other.ServiceType)
        && Interfaces.SequenceEqual(other.Interfaces)
        && Region == other.Region && ServiceName == other.ServiceName && Version == other.Version
        && EndpointOverride == other.EndpointOverride;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ServiceTypes.Canonical(ServiceType), Region, ServiceName, Version, EndpointOverride);

    /// <summary>A readable description naming every constraint, for error messages.</summary>
    public override string ToString()
    {
        var parts = new List<string> { $"service type '{ServiceType}'", $"interface {string.Join("|", Interfaces)}" };
        if (Region is not null) parts.Add($"region '{Region}'");
        if (ServiceName is not null) parts.Add($"name '{ServiceName}'");
        if (Version is not null) parts.Add($"version '{Version}'");
        if (EndpointOverride is not null) parts.Add($"endpoint override {EndpointOverride}");
        return "{" + string.Join(", ", parts) + "}";
    }
}
