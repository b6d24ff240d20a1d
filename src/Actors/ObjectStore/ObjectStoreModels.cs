using System.Globalization;
using System.Text.Json;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.ObjectStore;

/// <summary>Paging and filtering of a listing (Swift's <c>prefix</c>, <c>delimiter</c>, <c>marker</c>, <c>end_marker</c>, <c>limit</c>).</summary>
public sealed record ListOptions
{
    /// <summary>Only names starting with this.</summary>
    public string? Prefix { get; init; }

    /// <summary>Roll names up to the first occurrence of this character after the prefix (pseudo-directories come back as <see cref="ObjectEntry.Subdir"/>).</summary>
    public char? Delimiter { get; init; }

    /// <summary>Start after this name.</summary>
    public string? Marker { get; init; }

    /// <summary>Stop before this name.</summary>
    public string? EndMarker { get; init; }

    /// <summary>Entries asked for per request (Swift's <c>limit</c>; clusters cap it, usually at 10,000).</summary>
    public int PageSize { get; init; } = 10_000;

    /// <summary>No filter, pages of 10,000.</summary>
    public static readonly ListOptions Default = new();
}

/// <summary>One page of a listing and the marker that continues it.</summary>
/// <param name="Entries">The entries of this page, in Swift's order.</param>
/// <param name="NextMarker">The marker for the next page, or null when this page was the last.</param>
public sealed record ListPage<T>(IReadOnlyList<T> Entries, string? NextMarker);

/// <summary>A container in an account listing.</summary>
public sealed record ContainerEntry(string Name, long Count, long Bytes, DateTimeOffset? LastModified);

/// <summary>An object (or, with a delimiter, a pseudo-directory) in a container listing.</summary>
/// <param name="Name">The object name, or the pseudo-directory (ending in the delimiter) when <see cref="IsSubdir"/>.</param>
/// <param name="Hash">The ETag: the MD5 of the content, or of the manifest for a large object.</param>
/// <param name="Bytes">The size.</param>
/// <param name="ContentType">The content type.</param>
/// <param name="LastModified">When it was last written.</param>
/// <param name="SloETag">For a Static Large Object: its ETag (MD5 of the concatenated segment MD5s), unquoted.</param>
public sealed record ObjectEntry(string Name, string? Hash, long Bytes, string? ContentType, DateTimeOffset? LastModified, string? SloETag = null)
{
    /// <summary>True for a pseudo-directory entry of a delimited listing.</summary>
    public bool IsSubdir { get; init; }

    /// <summary>The pseudo-directory name when <see cref="IsSubdir"/>, else null.</summary>
    public string? Subdir => IsSubdir ? Name : null;

    /// <summary>The ETag a HEAD would answer: the SLO ETag for large objects, else the hash.</summary>
    public string? ETag => SloETag ?? Hash;

    /// <summary>True for an entry known by its name only (<see cref="Named"/>), not from a listing: its size, hash and kind
    /// are unknown, so a delete asks with a HEAD whether it is a large object whose segments go too.</summary>
    public bool IsNameOnly { get; init; }

    /// <summary>An entry for an object known by its name only, e.g. one a user named, for
    /// <see cref="ObjectStoreStreams.Delete(ObjectStoreClient, string, TransferOptions)"/>.</summary>
    public static ObjectEntry Named(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new ObjectEntry(name, null, 0, null, null) { IsNameOnly = true };
    }

    /// <summary>
    /// True for an object that stands for a directory rather than a file: a name ending in <c>/</c> (rclone, S3 tools,
    /// Horizon) or an empty object of content type <c>application/directory</c> (<c>swift upload</c> of an empty directory).
    /// </summary>
    public bool IsDirectoryMarker => !IsSubdir && (Name.EndsWith('/') || (Bytes == 0 && IsDirectoryContentType(ContentType)));

    /// <summary>True when only a HEAD can tell whether this is a Dynamic Large Object's manifest (listed with its own 0 bytes).</summary>
    public bool MayBeDynamicLargeObject => !IsSubdir && Bytes == 0 && SloETag is null && !IsDirectoryMarker;

    internal static bool IsDirectoryContentType(string? contentType) =>
        contentType is not null && contentType.Split(';')[0].Trim().Equals("application/directory", StringComparison.OrdinalIgnoreCase);
}

/// <summary>An account's totals and metadata (HEAD on the account).</summary>
public sealed record AccountInfo(long ContainerCount, long ObjectCount, long BytesUsed, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>All response headers.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = OpenStackResponse.NoHeaders;
}

/// <summary>A container's totals and metadata (HEAD on the container).</summary>
public sealed record ContainerInfo(string Name, long ObjectCount, long BytesUsed, string? StoragePolicy, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>All response headers.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = OpenStackResponse.NoHeaders;
}

/// <summary>An object's properties and metadata (HEAD on the object).</summary>
/// <param name="Container">The container.</param>
/// <param name="Name">The object name.</param>
/// <param name="ContentLength">The size.</param>
/// <param name="ETag">The ETag without quotes: the content's MD5, or for a Static Large Object the MD5 of its segments' MD5s.</param>
/// <param name="ContentType">The content type.</param>
/// <param name="LastModified">When it was last written.</param>
/// <param name="Metadata">The <c>X-Object-Meta-*</c> values, keyed by the lower-cased name after the prefix.</param>
public sealed record ObjectMetadata(string Container, string Name, long ContentLength, string? ETag, string? ContentType, DateTimeOffset? LastModified,
    IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>True for a Static Large Object manifest.</summary>
    public bool IsStaticLargeObject { get; init; }

    /// <summary>For a Dynamic Large Object: its <c>X-Object-Manifest</c> (container/prefix of the segments).</summary>
    public string? DynamicManifest { get; init; }

    /// <summary>True when <see cref="ETag"/> is the MD5 of the content itself (not of a large object's parts).</summary>
    public bool ETagIsContentMd5 => !IsStaticLargeObject && DynamicManifest is null;

    /// <summary>All response headers.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = OpenStackResponse.NoHeaders;
}

/// <summary>An object being downloaded: its metadata and the body stream. Dispose it to release the connection.</summary>
public sealed class ObjectDownload : IDisposable, IAsyncDisposable
{
    internal ObjectDownload(ObjectMetadata metadata, Stream content, OpenStackResponse response)
    {
        Metadata = metadata;
        Content = content;
        _response = response;
    }

    private readonly OpenStackResponse _response;

    /// <summary>The object's properties.</summary>
    public ObjectMetadata Metadata { get; }

    /// <summary>The body, read straight from the connection.</summary>
    public Stream Content { get; }

    /// <inheritdoc />
    public void Dispose() => _response.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>What a successful PUT answered.</summary>
/// <param name="Container">The container.</param>
/// <param name="Name">The object name.</param>
/// <param name="ETag">The ETag Swift stored (unquoted), verified against the local MD5.</param>
/// <param name="Bytes">Bytes sent.</param>
/// <param name="RequestId">Swift's transaction id.</param>
public sealed record PutObjectResult(string Container, string Name, string ETag, long Bytes, string? RequestId);

/// <summary>One segment of a Static Large Object manifest.</summary>
/// <param name="Path"><c>/container/object</c> of the segment, not URL-encoded.</param>
/// <param name="ETag">The segment's MD5 (hex).</param>
/// <param name="SizeBytes">The segment's size.</param>
public sealed record SloSegment(string Path, string ETag, long SizeBytes);

/// <summary>The cluster's limits and middleware, from Swift's <c>/info</c>; defaults are Swift's own when a value is absent.</summary>
public sealed record SwiftCapabilities
{
    /// <summary>Largest single object (5 GiB + 2 by default).</summary>
    public long MaxFileSize { get; init; } = 5L * 1024 * 1024 * 1024 + 2;

    /// <summary>Longest object name in bytes.</summary>
    public int MaxObjectNameLength { get; init; } = 1024;

    /// <summary>Longest container name in bytes.</summary>
    public int MaxContainerNameLength { get; init; } = 256;

    /// <summary>Largest <c>limit</c> of a container listing.</summary>
    public int ContainerListingLimit { get; init; } = 10_000;

    /// <summary>Largest <c>limit</c> of an account listing.</summary>
    public int AccountListingLimit { get; init; } = 10_000;

    /// <summary>True when Static Large Objects are available.</summary>
    public bool SloSupported { get; init; } = true;

    /// <summary>Most segments in one SLO manifest.</summary>
    public int MaxManifestSegments { get; init; } = 1000;

    /// <summary>Largest manifest body in bytes.</summary>
    public long MaxManifestSize { get; init; } = 8 * 1024 * 1024;

    /// <summary>Smallest segment (except the last).</summary>
    public long MinSegmentSize { get; init; } = 1;

    /// <summary>True when the cluster has the bulk middleware's delete (<c>bulk_delete</c> in <c>/info</c>). False when
    /// <c>/info</c> does not list it or is unavailable: a POST with <c>?bulk-delete</c> would then reach the account itself.</summary>
    public bool BulkDeleteSupported { get; init; }

    /// <summary>Most names in one bulk delete request (<c>bulk_delete.max_deletes_per_request</c>).</summary>
    public int MaxDeletesPerRequest { get; init; } = 10_000;

    /// <summary>Swift's version, when the cluster says.</summary>
    public string? Version { get; init; }

    /// <summary>True when this came from the cluster; false when <c>/info</c> was unavailable and these are Swift's defaults.</summary>
    public bool FromCluster { get; init; }

    /// <summary>The middleware names <c>/info</c> lists (slo, tempurl, bulk_delete...).</summary>
    public IReadOnlyList<string> Middleware { get; init; } = [];

    /// <summary>Swift's defaults, for clusters that hide <c>/info</c>.</summary>
    public static readonly SwiftCapabilities Defaults = new();

    /// <summary>Parses the <c>/info</c> document.</summary>
    public static SwiftCapabilities Parse(JsonElement info)
    {
        if (info.ValueKind != JsonValueKind.Object) throw new ObjectStoreProtocolException($"/info is not a JSON object but {info.ValueKind}");
        var d = Defaults;
        var swift = info.TryGetProperty("swift", out var s) && s.ValueKind == JsonValueKind.Object ? s : default;
        var slo = info.TryGetProperty("slo", out var o) && o.ValueKind == JsonValueKind.Object ? o : default;
        var bulk = info.TryGetProperty("bulk_delete", out var b) && b.ValueKind == JsonValueKind.Object ? b : default;
        return new SwiftCapabilities
        {
            MaxFileSize = Long(swift, "max_file_size") ?? d.MaxFileSize,
            MaxObjectNameLength = (int)(Long(swift, "max_object_name_length") ?? d.MaxObjectNameLength),
            MaxContainerNameLength = (int)(Long(swift, "max_container_name_length") ?? d.MaxContainerNameLength),
            ContainerListingLimit = (int)(Long(swift, "container_listing_limit") ?? d.ContainerListingLimit),
            AccountListingLimit = (int)(Long(swift, "account_listing_limit") ?? d.AccountListingLimit),
            Version = swift.ValueKind == JsonValueKind.Object && swift.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null,
            SloSupported = slo.ValueKind == JsonValueKind.Object,
            MaxManifestSegments = (int)(Long(slo, "max_manifest_segments") ?? d.MaxManifestSegments),
            MaxManifestSize = Long(slo, "max_manifest_size") ?? d.MaxManifestSize,
            MinSegmentSize = Math.Max(1, Long(slo, "min_segment_size") ?? d.MinSegmentSize),
            BulkDeleteSupported = bulk.ValueKind == JsonValueKind.Object,
            MaxDeletesPerRequest = (int)Math.Max(1, Long(bulk, "max_deletes_per_request") ?? d.MaxDeletesPerRequest),
            FromCluster = true,
            Middleware = info.EnumerateObject().Select(p => p.Name).Where(n => n != "swift").Order(StringComparer.Ordinal).ToList(),
        };

        static long? Long(JsonElement e, string key) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;
    }
}

internal static class SwiftHeaders
{
    internal static long Long(IReadOnlyDictionary<string, string> headers, string name) =>
        headers.TryGetValue(name, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    internal static string? ETag(IReadOnlyDictionary<string, string> headers) =>
        headers.TryGetValue("ETag", out var v) ? UnquoteETag(v) : null;

    internal static string UnquoteETag(string etag) => etag.Trim().Trim('"');

    internal static DateTimeOffset? LastModified(IReadOnlyDictionary<string, string> headers) =>
        headers.TryGetValue("Last-Modified", out var v) && DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary>The values of headers starting with <paramref name="prefix"/>, keyed by the lower-cased rest of the name.</summary>
    internal static IReadOnlyDictionary<string, string> Metadata(IReadOnlyDictionary<string, string> headers, string prefix)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && name.Length > prefix.Length)
                result[name[prefix.Length..].ToLowerInvariant()] = value;
        return result;
    }

    internal static bool True(IReadOnlyDictionary<string, string> headers, string name) =>
        headers.TryGetValue(name, out var v) && v.Trim() is var t && (t.Equals("true", StringComparison.OrdinalIgnoreCase) || t is "1" or "yes" or "on");
}
