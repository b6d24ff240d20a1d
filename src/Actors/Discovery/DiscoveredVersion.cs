using OpenStack.Actors.Http;

namespace OpenStack.Actors.Discovery;

/// <summary>A version's status in a version document; keystoneauth treats current, supported and stable alike.</summary>
public enum VersionStatus
{
    /// <summary>A status the document spelled some other way.</summary>
    Unknown,
    /// <summary><c>CURRENT</c>: the newest.</summary>
    Current,
    /// <summary><c>SUPPORTED</c>.</summary>
    Supported,
    /// <summary><c>stable</c> (Keystone).</summary>
    Stable,
    /// <summary><c>DEPRECATED</c>: still served, chosen only when nothing else fits.</summary>
    Deprecated,
    /// <summary><c>EXPERIMENTAL</c>: never chosen.</summary>
    Experimental,
}

/// <summary>One version a service's version document lists.</summary>
/// <param name="Id">As the document spells it (<c>v2.1</c>).</param>
/// <param name="Version">The id as a number (<c>2.1</c>); its <see cref="Microversion.Major"/> is the API's major version.</param>
/// <param name="Status">Its status.</param>
/// <param name="Url">Its <c>self</c> link, resolved against the document's url.</param>
public sealed record DiscoveredVersion(string Id, Microversion Version, VersionStatus Status, Uri Url)
{
    /// <summary>The lowest microversion it serves (<c>min_version</c>), or null when it has no microversions.</summary>
    public Microversion? MinMicroversion { get; init; }

    /// <summary>The highest microversion it serves (Placement's <c>max_version</c>, Nova's <c>version</c>), or null.</summary>
    public Microversion? MaxMicroversion { get; init; }

    /// <summary>True when the version has a microversion range.</summary>
    public bool HasMicroversions => MaxMicroversion is not null;

    /// <summary>Readable: <c>v2.1 CURRENT (microversions 2.1 to 2.95) at http://...</c>.</summary>
    public override string ToString() =>
        $"{Id} {Status}{(HasMicroversions ? $" (microversions {MinMicroversion ?? MaxMicroversion} to {MaxMicroversion})" : "")} at {Redaction.Url(Url)}";
}

/// <summary>What the session resolved for a service: the catalog's endpoint, the version chosen from its version document
/// (when discovered) and the endpoint relative urls are joined to.</summary>
/// <param name="ServiceType">The official service type.</param>
/// <param name="CatalogUrl">The endpoint as the catalog has it.</param>
/// <param name="Url">The endpoint requests go to: the chosen version's url, or the catalog url when that already points
/// into the version (keeping a project id in it) or when there is no version document.</param>
public sealed record ServiceEndpoint(string ServiceType, Uri CatalogUrl, Uri Url)
{
    /// <summary>The version chosen; null when the service has no version document (Swift) or it could not be fetched.</summary>
    public DiscoveredVersion? Version { get; init; }

    /// <summary>Every version the document lists (empty without one).</summary>
    public IReadOnlyList<DiscoveredVersion> Versions { get; init; } = [];

    /// <summary>The microversion requests send: the negotiated <c>X.Y</c>, <c>latest</c> passed on unchecked when the range
    /// is unknown, or null for none.</summary>
    public string? Microversion { get; init; }

    /// <summary>Readable, without secrets.</summary>
    public override string ToString() =>
        $"{ServiceType} at {Redaction.Url(Url)}{(Version is null ? " (no version document)" : $", {Version.Id}")}{(Microversion is null ? "" : $", microversion {Microversion}")}";
}
