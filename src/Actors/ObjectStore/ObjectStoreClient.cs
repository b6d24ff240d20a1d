using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Session;
using OpenStack.Actors.Transport;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// Swift (object storage) operations over an <see cref="OpenStackSession"/>: the session authenticates, resolves the
/// endpoint from the catalog and retries transient failures; this class builds the requests (every name encoded per
/// path segment), checks MD5s and parses the answers. Thread-safe; share one per session.
/// </summary>
public sealed class ObjectStoreClient
{
    /// <summary>Wraps a session.</summary>
    /// <param name="session">The session to send requests through.</param>
    /// <param name="service">The object-store endpoint filter (default: <see cref="ServiceFilter.ObjectStore"/>).</param>
    /// <param name="settings">Timeouts and upload defaults (default: <see cref="ObjectStoreSettings"/>'s defaults).</param>
    public ObjectStoreClient(OpenStackSession session, ServiceFilter? service = null, ObjectStoreSettings? settings = null)
    {
        Session = session ?? throw new ArgumentNullException(nameof(session));
        Service = service ?? ServiceFilter.ObjectStore;
        Settings = settings ?? new ObjectStoreSettings();
    }

    /// <summary>The session.</summary>
    public OpenStackSession Session { get; }

    /// <summary>The endpoint filter of every request.</summary>
    public ServiceFilter Service { get; }

    /// <summary>The settings.</summary>
    public ObjectStoreSettings Settings { get; }

    private static readonly RequestOptions Lenient = new() { RaiseOnError = false };

    // A probe is one attempt (the batch backs off between probes) that waits for an open breaker's own probe slot, as long
    // as the breaker's longest reset timeout by default.
    private static readonly RequestOptions Probe = new() { MaxAttempts = 1, WaitForEndpoint = true, Timeout = TimeSpan.FromSeconds(30) };

    // ------------------------------------------------------------------ endpoint and capabilities

    /// <summary>The object-store endpoint (<c>.../v1/AUTH_project</c>) the catalog offers for <see cref="Service"/>.</summary>
    public async Task<Uri> GetEndpointAsync(CancellationToken cancellationToken = default)
    {
        var access = await Session.GetAccessAsync(cancellationToken).ConfigureAwait(false);
        return access.Catalog.Resolve(Service);
    }

    /// <summary>The url of Swift's <c>/info</c> for an endpoint: the part before <c>/v1</c> (usually the root) plus <c>/info</c>.</summary>
    public static Uri InfoUrl(Uri endpoint)
    {
        var segments = endpoint.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var v1 = Array.FindIndex(segments, s => s.Equals("v1", StringComparison.OrdinalIgnoreCase) || s.Equals("v1.0", StringComparison.OrdinalIgnoreCase));
        var basePath = v1 > 0 ? "/" + string.Join('/', segments[..v1]) : "";
        return new Uri(endpoint.GetLeftPart(UriPartial.Authority) + basePath + "/info");
    }

    /// <summary>The cluster's limits from <c>/info</c> (sent without a token); Swift's defaults when the cluster hides it.</summary>
    public async Task<SwiftCapabilities> GetCapabilitiesAsync(CancellationToken cancellationToken = default)
    {
        var url = InfoUrl(await GetEndpointAsync(cancellationToken).ConfigureAwait(false));
        var response = await Session.GetAsync(url.AbsoluteUri, authenticate: false, options: Lenient, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess || response.Body.IsEmpty) return SwiftCapabilities.Defaults;
        try
        {
            using var doc = response.JsonDocument();
            return SwiftCapabilities.Parse(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new ObjectStoreProtocolException($"{url} did not answer JSON: {e.Message}", e);
        }
    }

    // ------------------------------------------------------------------ account and containers

    /// <summary>The account's totals and metadata.</summary>
    public async Task<AccountInfo> GetAccountAsync(CancellationToken cancellationToken = default)
    {
        var r = await Session.HeadAsync("", Service, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new AccountInfo(
            SwiftHeaders.Long(r.Headers, "X-Account-Container-Count"),
            SwiftHeaders.Long(r.Headers, "X-Account-Object-Count"),
            SwiftHeaders.Long(r.Headers, "X-Account-Bytes-Used"),
            SwiftHeaders.Metadata(r.Headers, "X-Account-Meta-")) { Headers = r.Headers };
    }

    /// <summary>All containers of the account (or those the options select), page by page as they are read.</summary>
    public async IAsyncEnumerable<ContainerEntry> ListContainersAsync(ListOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var o = options ?? ListOptions.Default;
        while (true)
        {
            var page = await ListContainersPageAsync(o, cancellationToken).ConfigureAwait(false);
            foreach (var e in page.Entries) yield return e;
            if (page.NextMarker is null) yield break;
            o = o with { Marker = page.NextMarker };
        }
    }

    /// <summary>One page of the container listing.</summary>
    public async Task<ListPage<ContainerEntry>> ListContainersPageAsync(ListOptions options, CancellationToken cancellationToken = default)
    {
        var r = await Session.GetAsync(ListQuery(options), Service, cancellationToken: cancellationToken).ConfigureAwait(false);
        var entries = ParseArray(r, "account listing", e => new ContainerEntry(
            Str(e, "name") ?? throw new ObjectStoreProtocolException("A container listing entry has no name"),
            Num(e, "count"), Num(e, "bytes"), Time(e, "last_modified")));
        return new ListPage<ContainerEntry>(entries, NextMarker(entries.Count, options, entries.Count == 0 ? null : entries[^1].Name,
            CountOrUnknown(r, "X-Account-Container-Count")));
    }

    /// <summary>The container's totals and metadata; <see cref="HttpErrorException"/> 404 when it does not exist.</summary>
    public async Task<ContainerInfo> GetContainerAsync(string container, CancellationToken cancellationToken = default)
    {
        var r = await Session.HeadAsync(SwiftNames.ContainerPath(container), Service, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new ContainerInfo(container,
            SwiftHeaders.Long(r.Headers, "X-Container-Object-Count"),
            SwiftHeaders.Long(r.Headers, "X-Container-Bytes-Used"),
            r.Header("X-Storage-Policy"),
            SwiftHeaders.Metadata(r.Headers, "X-Container-Meta-")) { Headers = r.Headers };
    }

    /// <summary>Creates a container (idempotent). True when it was created, false when it existed.</summary>
    /// <param name="container">The name.</param>
    /// <param name="headers">Extra headers (<c>X-Container-Meta-*</c>, <c>X-Storage-Policy</c>, ACLs).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="InvalidObjectNameException">A name no URL can carry.</exception>
    /// <exception cref="HttpErrorException">Swift refused it (e.g. 400 for a name longer than the cluster allows).</exception>
    public async Task<bool> CreateContainerAsync(string container, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
    {
        var r = await Session.PutAsync(SwiftNames.ContainerPath(container), null, Service, headers: headers, cancellationToken: cancellationToken).ConfigureAwait(false);
        return r.Status == HttpStatusCode.Created;
    }

    /// <summary>Deletes an empty container. True when deleted, false when it did not exist;
    /// <see cref="HttpErrorException"/> 409 when it still holds objects.</summary>
    public async Task<bool> DeleteContainerAsync(string container, CancellationToken cancellationToken = default)
    {
        var r = await Session.DeleteAsync(SwiftNames.ContainerPath(container), Service, options: Lenient, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (r.Status == HttpStatusCode.NotFound) return false;
        if (!r.IsSuccess) throw Error(r);
        return true;
    }

    // ------------------------------------------------------------------ listing objects

    /// <summary>The objects of a container (or those the options select), page by page as they are read.</summary>
    /// <exception cref="HttpErrorException">404 when the container does not exist.</exception>
    public IAsyncEnumerable<ObjectEntry> ListObjectsAsync(string container, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        ListObjectsAsync(container, options, null, cancellationToken);

    /// <summary>The listing of a batch: a page that fails transiently pauses it (through <paramref name="monitor"/>) and is asked again.</summary>
    internal async IAsyncEnumerable<ObjectEntry> ListObjectsAsync(string container, ListOptions? options, OutageMonitor? monitor,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var o = options ?? ListOptions.Default;
        while (true)
        {
            var current = o;
            var page = monitor is null
                ? await ListObjectsPageAsync(container, o, cancellationToken).ConfigureAwait(false)
                : await monitor.RetryAsync(ct => ListObjectsPageAsync(container, current, ct), cancellationToken).ConfigureAwait(false);
            foreach (var e in page.Entries) yield return e;
            if (page.NextMarker is null) yield break;
            o = o with { Marker = page.NextMarker };
        }
    }

    /// <summary>One page of a container listing; <see cref="ListPage{T}.NextMarker"/> continues it.</summary>
    public async Task<ListPage<ObjectEntry>> ListObjectsPageAsync(string container, ListOptions options, CancellationToken cancellationToken = default)
    {
        var r = await Session.GetAsync(SwiftNames.ContainerPath(container) + ListQuery(options), Service, cancellationToken: cancellationToken).ConfigureAwait(false);
        var entries = ParseArray(r, $"listing of '{container}'", ParseObjectEntry);
        return new ListPage<ObjectEntry>(entries, NextMarker(entries.Count, options, entries.Count == 0 ? null : entries[^1].Name,
            CountOrUnknown(r, "X-Container-Object-Count")));
    }

    private static ObjectEntry ParseObjectEntry(JsonElement e)
    {
        if (Str(e, "subdir") is { } subdir) return new ObjectEntry(subdir, null, 0, null, null) { IsSubdir = true };
        var slo = Str(e, "slo_etag");
        return new ObjectEntry(Str(e, "name") ?? throw new ObjectStoreProtocolException("An object listing entry has no name"),
            Str(e, "hash"), Num(e, "bytes"), Str(e, "content_type"), Time(e, "last_modified"), slo is null ? null : SwiftHeaders.UnquoteETag(slo));
    }

    private static string ListQuery(ListOptions o)
    {
        if (o.PageSize <= 0) throw new ArgumentException("ListOptions.PageSize must be positive", nameof(o));
        return SwiftNames.Query(("format", "json"), ("limit", o.PageSize.ToString(CultureInfo.InvariantCulture)),
            ("prefix", o.Prefix), ("delimiter", o.Delimiter?.ToString()), ("marker", o.Marker), ("end_marker", o.EndMarker));
    }

    // Only an empty page ends a listing: Swift fills every page up to the limit, but Ceph RGW caps pages at
    // rgw_max_listing_results whatever the limit says. A short first page of an unfiltered listing that holds as many
    // entries as the container (or account) is the whole listing, which saves the empty page in the common small case.
    private static string? NextMarker(int count, ListOptions o, string? last, long total)
    {
        if (count == 0 || last is null) return null;
        var wholeListing = o.Marker is null && o.Prefix is null && o.Delimiter is null && o.EndMarker is null;
        return count < o.PageSize && wholeListing && count >= total ? null : last;
    }

    private static long CountOrUnknown(OpenStackResponse r, string header) =>
        r.Headers.ContainsKey(header) ? SwiftHeaders.Long(r.Headers, header) : long.MaxValue;

    // ------------------------------------------------------------------ batches

    /// <summary>The outage monitor of a batch on <paramref name="container"/>: it probes with a HEAD of the container
    /// (any answer but a transient failure means the endpoint is back; a 404 too). Resolving the endpoint (a token from
    /// Keystone) fails at once when the cloud cannot be reached.</summary>
    internal async Task<OutageMonitor> OutageMonitorAsync(string container, ObjectStoreSettings settings, Akka.Actor.IScheduler scheduler, int width,
        CancellationToken cancellationToken)
    {
        var path = SwiftNames.ContainerPath(container);
        // Not through the monitor: a run that cannot reach the cloud at all when it starts fails at once, as that is most
        // often a configuration error (and no work is lost); from here on, outages pause the run.
        var endpoint = await GetEndpointAsync(cancellationToken).ConfigureAwait(false);
        return new OutageMonitor(ct => Session.HeadAsync(path, Service, options: Probe, cancellationToken: ct), settings, scheduler, width,
            EndpointGuard.OriginOf(endpoint));
    }

    // ------------------------------------------------------------------ objects

    /// <summary>An object's properties, or null when it does not exist.</summary>
    public async Task<ObjectMetadata?> HeadObjectAsync(string container, string name, CancellationToken cancellationToken = default)
    {
        var r = await Session.HeadAsync(SwiftNames.ObjectPath(container, name), Service, options: Lenient, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (r.Status == HttpStatusCode.NotFound) return null;
        if (!r.IsSuccess) throw Error(r);
        return ToMetadata(container, name, r);
    }

    /// <summary>Starts a download: the object's properties and its body as a stream (dispose the result).</summary>
    /// <exception cref="HttpErrorException">404 when the object does not exist.</exception>
    public async Task<ObjectDownload> GetObjectAsync(string container, string name, CancellationToken cancellationToken = default)
    {
        var r = await Session.GetAsync(SwiftNames.ObjectPath(container, name), Service,
            options: new RequestOptions { StreamResponse = true }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new ObjectDownload(ToMetadata(container, name, r), r.BodyStream ?? Stream.Null, r);
    }

    /// <summary>Downloads an object into a file (written beside it, verified, then moved into place).
    /// The MD5 is checked against the ETag for ordinary objects, the size for large objects.</summary>
    /// <exception cref="ChecksumMismatchException">The bytes received do not match the ETag or size.</exception>
    public Task<ObjectMetadata> DownloadToFileAsync(string container, string name, string path, CancellationToken cancellationToken = default) =>
        DownloadToFileAsync(container, name, path, null, cancellationToken);

    internal async Task<ObjectMetadata> DownloadToFileAsync(string container, string name, string path, Action<long>? onRead, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var partial = full + ".part-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using (var download = await GetObjectAsync(container, name, cancellationToken).ConfigureAwait(false))
            {
                string md5;
                long length;
                await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
                await using (var hashing = new HashingReadStream(download.Content, onRead))
                {
                    await hashing.CopyToAsync(file, 1 << 20, cancellationToken).ConfigureAwait(false);
                    md5 = hashing.Md5Hex;
                    length = hashing.BytesRead;
                }
                var m = download.Metadata;
                if (length != m.ContentLength)
                    throw new ChecksumMismatchException(container, name, md5, m.ETag, $"received {length} bytes of {m.ContentLength}");
                if (m.ETagIsContentMd5 && m.ETag is not null && !Checksums.SameETag(md5, m.ETag))
                    throw new ChecksumMismatchException(container, name, md5, m.ETag, "the downloaded bytes differ from what Swift stored");
                File.Move(partial, full, overwrite: true);
                return m;
            }
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    /// <summary>
    /// Stores an object. The MD5 goes with the request as <c>ETag</c> so Swift refuses corrupted data; when it is not given it
    /// is computed (bytes) or computed while streaming and compared with the ETag Swift answers. Either way a mismatch throws.
    /// </summary>
    /// <param name="container">The container.</param>
    /// <param name="name">The object name.</param>
    /// <param name="body">The content; use <see cref="RequestBody.FromStreamFactory"/> for files so a retry reopens them.</param>
    /// <param name="md5">The content's MD5 (hex), if known.</param>
    /// <param name="headers">Extra headers (<c>Content-Type</c>, <c>X-Object-Meta-*</c>...).</param>
    /// <param name="timeout">Timeout of one attempt (default: from <see cref="ObjectStoreSettings.TimeoutFor"/> and the length).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ChecksumMismatchException">Swift stored (or refused, 422) other bytes than were read.</exception>
    public async Task<PutObjectResult> PutObjectAsync(string container, string name, RequestBody body, string? md5 = null,
        IReadOnlyDictionary<string, string>? headers = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var path = SwiftNames.ObjectPath(container, name);
        if (md5 is null && body is BytesBody bytes) md5 = Convert.ToHexStringLower(MD5.HashData(bytes.Bytes.Span));
        HashingReadStream? lastAttempt = null;
        var sent = body;
        if (md5 is null && body is StreamBody stream)
            sent = new StreamBody(() => lastAttempt = new HashingReadStream(stream.Open()), stream.KnownLength, stream.CanReopen) { ContentType = stream.ContentType };

        var h = WithHeader(headers, "ETag", md5);
        OpenStackResponse r;
        try
        {
            r = await Session.PutAsync(path, sent, Service, options: new RequestOptions { Timeout = timeout ?? Settings.TimeoutFor(body.Length ?? 0) },
                headers: h, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpErrorException e) when (e.Status == HttpStatusCode.UnprocessableEntity && md5 is not null)
        {
            throw new ChecksumMismatchException(container, name, md5, null, "Swift refused the data: its MD5 differs from the ETag sent (did the file change while it was read?)", e);
        }
        var expected = md5 ?? lastAttempt?.Md5Hex;
        var etag = SwiftHeaders.ETag(r.Headers);
        if (expected is null || !Checksums.SameETag(expected, etag))
            throw new ChecksumMismatchException(container, name, expected ?? "(unknown)", etag, "Swift answered another ETag than the MD5 of the bytes sent");
        return new PutObjectResult(container, name, etag!, lastAttempt?.BytesRead ?? body.Length ?? 0, r.RequestId);
    }

    /// <summary>Uploads a file as one object (up to the cluster's maximum object size, 5 GiB by default), its MD5 computed first.</summary>
    public async Task<PutObjectResult> UploadFileAsync(string container, string name, string path, IReadOnlyDictionary<string, string>? headers = null,
        CancellationToken cancellationToken = default)
    {
        var length = new FileInfo(path).Length;
        var md5 = await Checksums.Md5OfFileAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await PutObjectAsync(container, name, RequestBody.FromStreamFactory(() => FileSegmentStream.Open(path, 0, length), length), md5,
            headers, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces an object's metadata (POST): Swift keeps only the <c>X-Object-Meta-*</c> values sent.</summary>
    /// <param name="container">The container.</param>
    /// <param name="name">The object name.</param>
    /// <param name="metadata">Names (without the <c>X-Object-Meta-</c> prefix) and values.</param>
    /// <param name="headers">Other headers to set (<c>Content-Type</c>, <c>X-Delete-At</c>...).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task SetObjectMetadataAsync(string container, string name, IReadOnlyDictionary<string, string> metadata,
        IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
    {
        var h = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (headers is not null) foreach (var (k, v) in headers) h[k] = v;
        foreach (var (k, v) in metadata) h["X-Object-Meta-" + k] = v;
        await Session.PostAsync(SwiftNames.ObjectPath(container, name), null, Service, headers: h, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes an object. True when deleted, false when it did not exist.</summary>
    /// <param name="container">The container.</param>
    /// <param name="name">The object name.</param>
    /// <param name="withSegments">When the object is a Static Large Object, delete its segments too (one HEAD more).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task<bool> DeleteObjectAsync(string container, string name, bool withSegments = false, CancellationToken cancellationToken = default)
    {
        var path = SwiftNames.ObjectPath(container, name);
        if (withSegments)
        {
            var head = await HeadObjectAsync(container, name, cancellationToken).ConfigureAwait(false);
            if (head is null) return false;
            if (head.IsStaticLargeObject) return await DeleteLargeObjectAsync(container, name, path, cancellationToken).ConfigureAwait(false);
        }
        var r = await Session.DeleteAsync(path, Service, options: Lenient, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (r.Status == HttpStatusCode.NotFound) return false;
        if (!r.IsSuccess) throw Error(r);
        return true;
    }

    private async Task<bool> DeleteLargeObjectAsync(string container, string name, string path, CancellationToken cancellationToken)
    {
        // The SLO middleware answers 200 and puts the real outcome in the body.
        var r = await Session.DeleteAsync(path + "?multipart-manifest=delete", Service,
            headers: new Dictionary<string, string> { ["Accept"] = "application/json" }, cancellationToken: cancellationToken).ConfigureAwait(false);
        using var doc = ParseJson(r, $"multipart delete of '{name}'");
        var root = doc.RootElement;
        var status = root.TryGetProperty("Response Status", out var s) ? s.GetString() ?? "" : "";
        var errors = root.TryGetProperty("Errors", out var es) && es.ValueKind == JsonValueKind.Array
            ? es.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Array ? string.Join(": ", e.EnumerateArray().Select(x => x.ToString())) : e.ToString()).ToList()
            : [];
        if (status.StartsWith("404", StringComparison.Ordinal)) return false;
        if (!status.StartsWith('2') || errors.Count > 0)
            throw new OpenStackException($"Deleting large object '{name}' in '{container}' failed: {status}{(errors.Count == 0 ? "" : ": " + string.Join("; ", errors.Take(5)))}");
        return true;
    }

    // ------------------------------------------------------------------ static large objects

    /// <summary>The segments of a Static Large Object, or null when the object is not one (or does not exist).</summary>
    public async Task<IReadOnlyList<SloSegment>?> GetManifestAsync(string container, string name, CancellationToken cancellationToken = default)
    {
        // Streamed, so that asking about an ordinary (maybe huge) object does not download it.
        using var r = await Session.GetAsync(SwiftNames.ObjectPath(container, name) + "?multipart-manifest=get", Service,
            options: new RequestOptions { StreamResponse = true, RaiseOnError = false }, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (r.Status == HttpStatusCode.NotFound) return null;
        if (!r.IsSuccess) throw Error(r);
        if (!SwiftHeaders.True(r.Headers, "X-Static-Large-Object") || r.BodyStream is null) return null;
        try
        {
            using var doc = await JsonDocument.ParseAsync(r.BodyStream, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new ObjectStoreProtocolException($"The manifest of '{name}' is not a JSON array");
            return doc.RootElement.EnumerateArray().Select(e =>
            {
                // A segment that is a byte range of another object cannot be compared by its MD5: mark it unknown.
                var ranged = e.TryGetProperty("range", out _);
                return new SloSegment(Str(e, "name") ?? throw new ObjectStoreProtocolException($"A segment of '{name}' has no name"),
                    ranged ? "" : Str(e, "hash") ?? "", Num(e, "bytes"));
            }).ToList();
        }
        catch (JsonException e)
        {
            throw new ObjectStoreProtocolException($"The manifest of '{name}' is not JSON: {e.Message}", e);
        }
    }

    /// <summary>Stores a Static Large Object manifest. Swift checks every segment's ETag and size; the manifest's own ETag
    /// (the MD5 of the segment MD5s) is sent and verified.</summary>
    /// <returns>The result; its ETag is the large object's ETag.</returns>
    public async Task<PutObjectResult> PutManifestAsync(string container, string name, IReadOnlyList<SloSegment> segments,
        IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
    {
        if (segments.Count == 0) throw new ArgumentException("A manifest needs at least one segment", nameof(segments));
        var body = JsonSerializer.SerializeToUtf8Bytes(segments.Select(s => new Dictionary<string, object>
        {
            ["path"] = s.Path,
            ["etag"] = s.ETag,
            ["size_bytes"] = s.SizeBytes,
        }));
        var etag = Checksums.SloETag(segments.Select(s => s.ETag));
        // No Content-Type on the manifest body: Swift would give it to the large object; without one it guesses from the name.
        OpenStackResponse r;
        try
        {
            r = await Session.PutAsync(SwiftNames.ObjectPath(container, name) + "?multipart-manifest=put", RequestBody.FromBytes(body),
                Service, headers: WithHeader(headers, "ETag", etag), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpErrorException e) when (e.Status == HttpStatusCode.UnprocessableEntity)
        {
            throw new ChecksumMismatchException(container, name, etag, null, "Swift refused the manifest: its segments' MD5s differ from those sent", e);
        }
        var answered = SwiftHeaders.ETag(r.Headers);
        if (!Checksums.SameETag(etag, answered))
            throw new ChecksumMismatchException(container, name, etag, answered, "the large object's ETag differs from the MD5 of its segments' MD5s");
        return new PutObjectResult(container, name, etag, segments.Sum(s => s.SizeBytes), r.RequestId);
    }

    // ------------------------------------------------------------------ helpers

    private static ObjectMetadata ToMetadata(string container, string name, OpenStackResponse r) =>
        new(container, name, SwiftHeaders.Long(r.Headers, "Content-Length"), SwiftHeaders.ETag(r.Headers), r.Header("Content-Type"),
            SwiftHeaders.LastModified(r.Headers), SwiftHeaders.Metadata(r.Headers, "X-Object-Meta-"))
        {
            IsStaticLargeObject = SwiftHeaders.True(r.Headers, "X-Static-Large-Object"),
            DynamicManifest = r.Header("X-Object-Manifest"),
            Headers = r.Headers,
        };

    private static IReadOnlyDictionary<string, string>? WithHeader(IReadOnlyDictionary<string, string>? headers, string name, string? value)
    {
        if (value is null) return headers;
        var h = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (headers is not null) foreach (var (k, v) in headers) h[k] = v;
        h[name] = value;
        return h;
    }

    private static HttpErrorException Error(OpenStackResponse r) =>
        new(r.Method, r.Url, r.Status, r.RequestId, ErrorBodies.Message(r.Header("Content-Type"), r.Body.Span), r);

    private static JsonDocument ParseJson(OpenStackResponse r, string what)
    {
        try
        {
            return r.JsonDocument();
        }
        catch (JsonException e)
        {
            throw new ObjectStoreProtocolException($"The {what} is not JSON: {e.Message}", e);
        }
    }

    private static List<T> ParseArray<T>(OpenStackResponse r, string what, Func<JsonElement, T> parse)
    {
        // 204 No Content: an empty listing (older clusters).
        if (r.Status == HttpStatusCode.NoContent || r.Body.IsEmpty) return [];
        using var doc = ParseJson(r, what);
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new ObjectStoreProtocolException($"The {what} is not a JSON array");
        var list = new List<T>(doc.RootElement.GetArrayLength());
        foreach (var e in doc.RootElement.EnumerateArray()) list.Add(parse(e));
        return list;
    }

    private static string? Str(JsonElement e, string key) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long Num(JsonElement e, string key) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : 0;

    private static DateTimeOffset? Time(JsonElement e, string key) =>
        Str(e, key) is { } s && DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? new DateTimeOffset(t, TimeSpan.Zero) : null;
}
