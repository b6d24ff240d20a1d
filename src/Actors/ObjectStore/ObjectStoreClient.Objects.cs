using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.ObjectStore;

// Objects: HEAD, GET, PUT (with the MD5 checked), POST, COPY, DELETE, and Static Large Objects.
public sealed partial class ObjectStoreClient
{
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

    /// <summary>Downloads an object into a file (written beside it, verified, then moved into place), with the modification
    /// time stored in its <c>X-Object-Meta-Mtime</c> when it has one.
    /// The MD5 is checked against the ETag for ordinary objects, against the segments' MD5s for Dynamic Large Objects
    /// (one listing of the segments, the file hashed again range by range), and the size for Static Large Objects.</summary>
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
                // No FileStream buffer: the copy below writes in large blocks already, and a buffer of its own would be a new
                // array for every file downloaded.
                await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
                await using (var hashing = new HashingReadStream(download.Content, onRead))
                {
                    await CopyBodyAsync(hashing, file, container, name, cancellationToken).ConfigureAwait(false);
                    md5 = hashing.Md5Hex;
                    length = hashing.BytesRead;
                    // The file gets the time it had when it was uploaded, as `swift download` and rclone give it; the GET's
                    // headers carry it, so it costs no request.
                    if (download.Metadata.Metadata.TryGetValue(ObjectMtime.MetadataKey, out var stored) && ObjectMtime.TryParse(stored, out var mtime))
                        File.SetLastWriteTimeUtc(file.SafeFileHandle, mtime);
                }
                var m = download.Metadata;
                if (length != m.ContentLength)
                    throw new ChecksumMismatchException(container, name, md5, m.ETag, $"received {length} bytes of {m.ContentLength}");
                if (m.ETagIsContentMd5 && m.ETag is not null && !Checksums.SameETag(md5, m.ETag))
                    throw new ChecksumMismatchException(container, name, md5, m.ETag, "the downloaded bytes differ from what Swift stored");
                // A Dynamic Large Object's ETag is not the MD5 of its content: its segments' MD5s are, range by range.
                if (m.DynamicManifest is { } manifest
                    && !await Checksums.MatchesSegmentsAsync(partial, await ListDynamicSegmentsAsync(manifest, cancellationToken).ConfigureAwait(false),
                        cancellationToken: cancellationToken).ConfigureAwait(false))
                    throw new ChecksumMismatchException(container, name, md5, m.ETag, "the downloaded bytes differ from the Dynamic Large Object's segments");
                File.Move(partial, full, overwrite: true);
                return m;
            }
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    // A read of the body that fails is the connection's trouble (the service went away mid-answer: transient, a retry
    // fixes it); a write that fails is the local disk's (final). The copy keeps the two apart.
    internal static async Task CopyBodyAsync(Stream body, Stream file, string container, string name, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            while (true)
            {
                int n;
                try
                {
                    n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    throw new ConnectionFailedException($"The download of '{container}/{name}' broke off: {e.Message}", e);
                }
                if (n == 0) return;
                await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
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
            r = await Session.PutAsync(path, sent, Service, options: new RequestOptions { Timeout = timeout ?? Settings.TimeoutFor(body.Length ?? 0, Session.Settings.Transport.BandwidthLimit) },
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
        // The SLO middleware deletes the segments with the bulk middleware's code: it answers 200 at once and puts the
        // real outcome in the body.
        var (answer, requestId, url) = await BulkAnswerAsync(HttpMethod.Delete, path + "?multipart-manifest=delete", null,
            $"delete of large object '{name}'", cancellationToken).ConfigureAwait(false);
        if (answer.Status == (int)HttpStatusCode.NotFound) return false;
        if (answer.Succeeded && answer.Errors.Count == 0) return true;
        var errors = answer.Errors.Take(5).Select(e => $"{e.Path}: {e.Text}").ToList();
        throw new HttpErrorException(HttpMethod.Delete, url, (HttpStatusCode)(answer.Succeeded ? (int)HttpStatusCode.BadGateway : answer.Status), requestId,
            $"deleting large object '{name}' in '{container}' with its segments: {answer.Describe()}{(errors.Count == 0 ? "" : "; " + string.Join("; ", errors))}");
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
}
