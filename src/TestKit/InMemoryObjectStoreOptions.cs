namespace OpenStack.Actors.TestKit;

/// <summary>The limits an <see cref="InMemoryObjectStore"/> enforces and publishes in its <c>/info</c>; the defaults are
/// Swift's own (those of the dev cloud's Swift 2.30).</summary>
public sealed record InMemoryObjectStoreOptions
{
    /// <summary>Largest <c>limit</c> of a container listing; a larger one is refused with 412 (also the default page size).</summary>
    public int ContainerListingLimit { get; init; } = 10_000;

    /// <summary>Largest <c>limit</c> of an account listing.</summary>
    public int AccountListingLimit { get; init; } = 10_000;

    /// <summary>At most this many entries per listing page whatever the <c>limit</c> asked for, as Ceph RGW caps pages at
    /// <c>rgw_max_listing_results</c>; null: pages are filled up to the limit, as Swift does.</summary>
    public int? PageCap { get; init; }

    /// <summary>Most segments in a Static Large Object manifest.</summary>
    public int MaxManifestSegments { get; init; } = 1000;

    /// <summary>Largest manifest body, in bytes.</summary>
    public int MaxManifestSize { get; init; } = 8 * 1024 * 1024;

    /// <summary>Smallest segment of a Static Large Object but the last. Swift 2.30 publishes 1 (any non-empty segment); a
    /// larger value plays an older Swift, which refused small segments.</summary>
    public long MinSegmentSize { get; init; } = 1;

    /// <summary>Most names in one bulk delete.</summary>
    public int MaxDeletesPerRequest { get; init; } = 10_000;

    /// <summary>Largest object (a single PUT), in bytes.</summary>
    public long MaxFileSize { get; init; } = 5_368_709_122;

    /// <summary>Longest container name, in bytes of UTF-8.</summary>
    public int MaxContainerNameLength { get; init; } = 256;

    /// <summary>Longest object name, in bytes of UTF-8.</summary>
    public int MaxObjectNameLength { get; init; } = 1024;

    /// <summary>The clock of timestamps (<c>X-Timestamp</c>, <c>Last-Modified</c>, listings).</summary>
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;
}
