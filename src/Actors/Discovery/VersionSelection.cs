using OpenStack.Actors.Http;

namespace OpenStack.Actors.Discovery;

/// <summary>
/// Chooses a version from a version document and negotiates the microversion, like keystoneauth's
/// <c>get_endpoint_data</c> and microversion checks: the newest usable version of the wanted major version (current,
/// supported and stable before deprecated; experimental and unknown never), the one whose microversion range holds the
/// requested microversion when one is requested, <c>latest</c> becoming that range's maximum.
/// </summary>
public static class VersionSelection
{
    /// <summary>The endpoint for <paramref name="request"/>.</summary>
    /// <param name="serviceType">The official service type (for messages).</param>
    /// <param name="catalogUrl">The endpoint the catalog offers.</param>
    /// <param name="versions">The document's versions; null when there is no document: the catalog url is used as it is
    /// and a microversion is passed on unchecked (keystoneauth's fallback).</param>
    /// <param name="request">What the caller wants.</param>
    /// <exception cref="ApiVersionNotFoundException">The document lists no usable version of the wanted major version.</exception>
    /// <exception cref="MicroversionNotSupportedException">The chosen version cannot serve the microversion.</exception>
    public static ServiceEndpoint Select(string serviceType, Uri catalogUrl, IReadOnlyList<DiscoveredVersion>? versions, ApiVersionRequest request)
    {
        if (versions is null || versions.Count == 0)
            return new ServiceEndpoint(serviceType, catalogUrl, catalogUrl) { Microversion = Normalized(request.Microversion) };

        var usable = versions.Where(v => v.Status is not (VersionStatus.Experimental or VersionStatus.Unknown)).ToList();
        var wanted = Microversion.TryParse(request.Microversion);
        var ceiling = Microversion.TryParse(request.MaxMicroversion);
        var major = request.Major ?? (wanted ?? ceiling)?.Major;
        var candidates = major is { } m ? usable.Where(v => v.Version.Major == m).ToList() : usable;
        if (candidates.Count == 0)
        {
            // a microversion's major is a hint only: a service whose versions are numbered differently keeps all of them
            if (request.Major is { } explicitMajor) throw new ApiVersionNotFoundException(serviceType, explicitMajor, versions);
            candidates = usable;
        }
        if (candidates.Count == 0) throw new ApiVersionNotFoundException(serviceType, major ?? 0, versions);

        // newest first, deprecated ones last
        var ordered = candidates.OrderBy(v => v.Status == VersionStatus.Deprecated).ThenByDescending(v => v.Version).ToList();
        DiscoveredVersion chosen;
        string? microversion = null;
        if (request.Microversion is null && ceiling is null) chosen = ordered[0];
        else
        {
            var ranged = ordered.Where(v => v.HasMicroversions).ToList();
            var asked = ceiling is null ? request.Microversion! : $"{(wanted is null ? "up" : wanted.ToString())} to {ceiling}";
            if (ranged.Count == 0) throw new MicroversionNotSupportedException(serviceType, asked, null, null);
            if (ceiling is not null)
            {
                // the newest both serve: the service's maximum capped by the caller's, not below either one's minimum
                (chosen, var top) = ranged.Select(v => (v, top: v.MaxMicroversion! < ceiling ? v.MaxMicroversion! : ceiling))
                    .FirstOrDefault(c => c.top >= (c.v.MinMicroversion ?? c.v.MaxMicroversion!) && (wanted is null || c.top >= wanted));
                if (chosen is null) throw new MicroversionNotSupportedException(serviceType, asked, ranged[0].MinMicroversion, ranged[0].MaxMicroversion);
                microversion = top.ToString();
            }
            else if (wanted is null)
            {
                chosen = ranged.OrderByDescending(v => v.MaxMicroversion).First();
                microversion = chosen.MaxMicroversion!.ToString();
            }
            else
            {
                chosen = ranged.FirstOrDefault(v => wanted >= (v.MinMicroversion ?? v.MaxMicroversion!) && wanted <= v.MaxMicroversion!)
                    ?? throw new MicroversionNotSupportedException(serviceType, wanted.ToString(), ranged[0].MinMicroversion, ranged[0].MaxMicroversion);
                microversion = wanted.ToString();
            }
        }
        return new ServiceEndpoint(serviceType, catalogUrl, UrlFor(catalogUrl, chosen)) { Version = chosen, Versions = versions, Microversion = microversion };
    }

    /// <summary>The catalog url when it already points at or into the chosen version (it may carry a project id that the
    /// version's link lacks), else the version's own url.</summary>
    private static Uri UrlFor(Uri catalogUrl, DiscoveredVersion chosen)
    {
        var version = chosen.Url.AbsoluteUri.TrimEnd('/');
        var catalog = catalogUrl.AbsoluteUri.TrimEnd('/');
        return catalog.Equals(version, StringComparison.OrdinalIgnoreCase) || catalog.StartsWith(version + "/", StringComparison.OrdinalIgnoreCase)
            ? catalogUrl
            : chosen.Url;
    }

    private static string? Normalized(string? microversion) =>
        microversion is null ? null
        : string.Equals(microversion, Microversion.Latest, StringComparison.OrdinalIgnoreCase) ? Microversion.Latest
        : Microversion.Parse(microversion).ToString();
}
