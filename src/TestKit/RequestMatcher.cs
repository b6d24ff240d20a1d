using OpenStack.Actors.Catalog;

namespace OpenStack.Actors.TestKit;

/// <summary>
/// What a scripted rule or an <see cref="FakeSession.ExpectRequestAsync(RequestMatcher, TimeSpan?, CancellationToken)"/>
/// accepts: a method, a url pattern, optionally a service filter and a predicate. Every unset part accepts anything.
/// </summary>
/// <param name="Method">The method; null accepts any.</param>
/// <param name="Url">The url pattern.</param>
public sealed record RequestMatcher(HttpMethod? Method, UrlPattern Url)
{
    /// <summary>Canonical service type the request's <see cref="ServiceFilter"/> must name (aliases accepted), or null.</summary>
    public string? ServiceType { get; init; }

    /// <summary>An interface the request's filter must list (<c>public</c>, <c>internal</c>, <c>admin</c>), or null.</summary>
    public string? Interface { get; init; }

    /// <summary>The region the request's filter must name, or null.</summary>
    public string? Region { get; init; }

    /// <summary>An extra condition (headers, body...), or null.</summary>
    public Func<RecordedRequest, bool>? Predicate { get; init; }

    /// <summary>How <see cref="Predicate"/> reads in messages.</summary>
    public string? PredicateDescription { get; init; }

    /// <summary>Any request.</summary>
    public static RequestMatcher Any { get; } = new(null, UrlPattern.Any);

    /// <summary>A matcher for a method and url.</summary>
    public static RequestMatcher For(HttpMethod? method, UrlPattern url) => new(method, url);

    /// <summary>This matcher, also requiring a service filter of this type (and interface, region when given).</summary>
    public RequestMatcher ForService(string serviceType, string? @interface = null, string? region = null) =>
        this with { ServiceType = serviceType, Interface = @interface, Region = region };

    /// <summary>This matcher, also requiring the filter's type, first interface and region to be those of <paramref name="filter"/>.</summary>
    public RequestMatcher ForService(ServiceFilter filter) =>
        ForService(filter.ServiceType, filter.Interfaces.Count > 0 ? filter.Interfaces[0] : null, filter.Region);

    /// <summary>This matcher, also requiring <paramref name="predicate"/>.</summary>
    public RequestMatcher Where(Func<RecordedRequest, bool> predicate, string description = "a predicate") =>
        this with { Predicate = predicate, PredicateDescription = description };

    /// <summary>True when the request matches every set part.</summary>
    public bool Matches(RecordedRequest request)
    {
        if (Method is not null && Method != request.Method) return false;
        if (!Url.IsMatchAny(request.UrlForms())) return false;
        if (ServiceType is not null)
        {
            var filter = request.Service;
            if (filter is null || ServiceTypes.Canonical(filter.ServiceType) != ServiceTypes.Canonical(ServiceType)) return false;
            if (Interface is not null && !filter.Interfaces.Any(i => NormalizeInterface(i) == NormalizeInterface(Interface))) return false;
            if (Region is not null && !string.Equals(filter.Region, Region, StringComparison.Ordinal)) return false;
        }
        return Predicate is null || Predicate(request);
    }

    private static string NormalizeInterface(string iface)
    {
        var i = iface.Trim().ToLowerInvariant();
        return i.EndsWith("url", StringComparison.Ordinal) ? i[..^3] : i;
    }

    /// <summary>For messages: <c>GET glob '/containers*' for object-store (internal, RegionTwo)</c>.</summary>
    public override string ToString()
    {
        var text = $"{Method?.Method ?? "any method"} {Url}";
        if (ServiceType is not null)
        {
            var extra = string.Join(", ", new[] { Interface, Region }.Where(x => x is not null));
            text += $" for {ServiceType}{(extra.Length == 0 ? "" : $" ({extra})")}";
        }
        if (Predicate is not null) text += $" where {PredicateDescription}";
        return text;
    }
}
