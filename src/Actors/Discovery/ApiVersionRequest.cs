using OpenStack.Actors.Http;

namespace OpenStack.Actors.Discovery;

/// <summary>
/// What a caller wants of a service's API, as keystoneauth's Adapter takes it: a major version, a microversion, or just
/// "discover the versions". Any of them makes the session fetch the service's version document (once per endpoint url
/// for the session's lifetime) and resolve relative urls against the chosen version's endpoint.
/// </summary>
public sealed record ApiVersionRequest
{
    /// <summary>The API's major version (<c>2</c> for Nova's v2.x, <c>1</c> for Placement); null: the newest the
    /// service offers (the microversion's major when one is requested).</summary>
    public int? Major { get; init; }

    /// <summary><c>X.Y</c> or <c>latest</c>, negotiated against the service's range and sent as
    /// <c>OpenStack-API-Version</c> (plus the legacy header for Nova, Ironic and Manila); null sends none.</summary>
    public string? Microversion { get; init; }

    /// <summary>
    /// The highest microversion the caller understands (<c>X.Y</c>): the session sends the newest one both the service
    /// and the caller serve, at least <see cref="Microversion"/> when that is <c>X.Y</c> (openstacksdk's "max
    /// microversion" of a proxy). Null: no ceiling.
    /// </summary>
    public string? MaxMicroversion { get; init; }

    /// <summary>True fetches the version document even without a major version or microversion.</summary>
    public bool Discover { get; init; }

    /// <summary>Whether the version document is needed; without it the catalog url is used as it is.</summary>
    public bool NeedsDiscovery => Discover || Major is not null || Microversion is not null || MaxMicroversion is not null;

    /// <summary>The request for one microversion.</summary>
    public static ApiVersionRequest ForMicroversion(string microversion) => new() { Microversion = microversion };

    /// <summary>A plain-words problem with the request, or null when it is valid.</summary>
    public string? Problem()
    {
        if (Microversion is not null && !Http.Microversion.IsValidRequest(Microversion))
            return $"'{Microversion}' is not a microversion (expected X.Y, e.g. 1.30, or '{Http.Microversion.Latest}')";
        var max = MaxMicroversion is not null && MaxMicroversion.Contains('.') ? Http.Microversion.TryParse(MaxMicroversion) : null;
        if (MaxMicroversion is not null && max is null)
            return $"The maximum microversion '{MaxMicroversion}' is not X.Y (e.g. 1.30)";
        if (max is not null && Http.Microversion.TryParse(Microversion) is { } min && min > max)
            return $"The microversion {min} is above the maximum {max}";
        return Major is < 0 ? $"The major version {Major} is negative" : null;
    }

    /// <summary>Readable: <c>v1, microversion 1.30</c>.</summary>
    public override string ToString() =>
        string.Join(", ", new[] { Major is { } m ? $"v{m}" : null, Microversion is { } mv ? $"microversion {mv}" : null, Discover ? "discover" : null }
            .Append(MaxMicroversion is { } top ? $"up to {top}" : null).Where(s => s is not null));
}
