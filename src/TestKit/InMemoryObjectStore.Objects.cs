using System.Globalization;
using System.Net;
using OpenStack.Actors.ObjectStore;

namespace OpenStack.Actors.TestKit;

// Objects: PUT (plain, copy, manifests), GET and HEAD with conditions and ranges, POST, DELETE, COPY.
public sealed partial class InMemoryObjectStore
{
    /// <summary>Headers Swift keeps with an object besides its X-Object-Meta-*.</summary>
    private static readonly string[] KeptHeaders = ["Content-Disposition", "Content-Encoding", "X-Delete-At", "X-Object-Manifest"];

    private SwiftReply Object(SwiftRequest r)
    {
        var account = AccountOf(r.Account);
        account.Containers.TryGetValue(r.Container!, out var container);
        StoredObject? existing = null;
        container?.Objects.TryGetValue(r.Object!, out existing);
        var manifest = r.Param("multipart-manifest");
        switch (r.Method)
        {
            case "PUT" when container is null:
                return SwiftReply.Page(HttpStatusCode.NotFound);
            case "PUT":
                if (r.Header("X-Copy-From") is { } from) return Copy(r, from, container, r.Object!);
                return manifest == "put" ? PutManifest(r, container, existing) : Put(r, container, existing);
            case "COPY":
                if (existing is null) return SwiftReply.Page(HttpStatusCode.NotFound);
                if (Split(r.Header("Destination")) is not { } to)
                    return SwiftReply.Text(HttpStatusCode.PreconditionFailed, "Destination header must be of the form <container name>/<object name>");
                if (!account.Containers.TryGetValue(to.Container, out var target)) return SwiftReply.Page(HttpStatusCode.NotFound);
                return Copy(r with { Container = to.Container, Object = to.Name }, $"{r.Container}/{r.Object}", target, to.Name);
            case "DELETE" when manifest == "delete":
                return DeleteManifest(r, container, existing);
            case "GET" or "HEAD" or "POST" or "DELETE" when existing is null:
                return SwiftReply.Page(HttpStatusCode.NotFound);
            case "GET" or "HEAD":
                return Get(r, existing, manifest == "get");
            case "POST" when r.Header("X-Static-Large-Object") is not null:
                return ReservedSloHeader();
            case "POST":
                // A POST replaces the metadata and the other kept headers: an X-Object-Manifest not sent again is dropped.
                existing.Metadata.RemoveAll(m => m.Key.StartsWith("X-Object-Meta-", StringComparison.OrdinalIgnoreCase) || KeptHeaders.Contains(m.Key, StringComparer.OrdinalIgnoreCase));
                Keep(existing.Metadata, r);
                if (r.Header("Content-Type") is { Length: > 0 } type) existing.ContentType = type;
                existing.DloManifest = Find(existing.Metadata, "X-Object-Manifest");
                existing.Timestamp = NextTimestamp();
                return SwiftReply.Page(HttpStatusCode.Accepted);
            case "DELETE":
                container!.Objects.Remove(r.Object!);
                return SwiftReply.NoContent();
            default:
                return SwiftReply.Page(HttpStatusCode.MethodNotAllowed);
        }
    }

    private SwiftReply Put(SwiftRequest r, StoredContainer container, StoredObject? existing)
    {
        if (Refusal(r, existing) is { } refused) return refused;
        if (r.Header("X-Static-Large-Object") is not null) return ReservedSloHeader();
        var md5 = SwiftFormat.Md5(r.Body);
        if (r.Header("ETag") is { } sent && !string.Equals(SwiftFormat.Unquote(sent), md5, StringComparison.OrdinalIgnoreCase))
            return SwiftReply.Page(HttpStatusCode.UnprocessableEntity);
        var stored = new StoredObject
        {
            Data = r.Body, ETag = md5, ContentType = ContentTypeOf(r), Timestamp = NextTimestamp(),
        };
        Keep(stored.Metadata, r);
        stored.DloManifest = Find(stored.Metadata, "X-Object-Manifest");
        container.Objects[r.Object!] = stored;
        return Created(stored, md5);
    }

    /// <summary>The checks of every object PUT: name length, a length or a chunked body, the size limit, If-None-Match.</summary>
    private SwiftReply? Refusal(SwiftRequest r, StoredObject? existing)
    {
        if (NameTooLong("Object", r.Object!, Options.MaxObjectNameLength) is { } tooLong) return tooLong;
        if (r.ContentLength is null && !r.Chunked) return SwiftReply.Text(HttpStatusCode.LengthRequired, "Missing Content-Length header.");
        if (r.Body.LongLength > Options.MaxFileSize) return SwiftReply.Text(HttpStatusCode.RequestEntityTooLarge, "Your request is too large.", "text/html; charset=UTF-8");
        return r.Header("If-None-Match") switch
        {
            null => null,
            "*" => existing is null ? null : SwiftReply.Page(HttpStatusCode.PreconditionFailed),
            _ => SwiftReply.Text(HttpStatusCode.BadRequest, "If-None-Match only supports *", "text/html; charset=UTF-8"),
        };
    }

    private SwiftReply Copy(SwiftRequest r, string from, StoredContainer target, string name)
    {
        if (Split(from) is not { } source)
            return SwiftReply.Text(HttpStatusCode.PreconditionFailed, "X-Copy-From header must be of the form <container name>/<object name>");
        if (r.Body.Length > 0) return SwiftReply.Text(HttpStatusCode.BadRequest, "Copy requests require a zero byte body", "text/html; charset=UTF-8");
        if (FindContainer(r.Account, source.Container)?.Objects.TryGetValue(source.Name, out var original) != true || original is null)
            return SwiftReply.Page(HttpStatusCode.NotFound);
        target.Objects.TryGetValue(name, out var existing);
        if (Refusal(r with { Object = name, ContentLength = 0 }, existing) is { } refused) return refused;
        // A large object is copied as its content, unless the manifest itself is asked for.
        var asManifest = r.Param("multipart-manifest") == "get";
        var data = asManifest || (original.Slo is null && original.DloManifest is null) ? original.Data : Content(r.Account, original, 0) is { } parts ? Concat(parts) : null;
        if (data is null) return SwiftReply.Page(HttpStatusCode.Conflict);
        var copy = new StoredObject
        {
            Data = data, ETag = SwiftFormat.Md5(data), Timestamp = NextTimestamp(),
            ContentType = r.Header("Content-Type") is { Length: > 0 } t ? t : original.ContentType,
            Slo = asManifest ? original.Slo : null, SloETag = asManifest ? original.SloETag : null, SloBytes = asManifest ? original.SloBytes : 0,
        };
        if (!string.Equals(r.Header("X-Fresh-Metadata"), "true", StringComparison.OrdinalIgnoreCase))
            copy.Metadata.AddRange(original.Metadata.Where(m => asManifest || !m.Key.Equals("X-Object-Manifest", StringComparison.OrdinalIgnoreCase)));
        Keep(copy.Metadata, r);
        copy.DloManifest = Find(copy.Metadata, "X-Object-Manifest");
        target.Objects[name] = copy;
        return Created(copy, copy.ETag)
            .With("X-Copied-From", SwiftNames.ObjectPath(source.Container, source.Name).TrimStart('/'))
            .With("X-Copied-From-Account", r.Account)
            .With("X-Copied-From-Last-Modified", SwiftFormat.HttpDate(original.Timestamp))
            .WithAll(copy.Metadata);
    }

    private static SwiftReply ReservedSloHeader() => SwiftReply.Text(HttpStatusCode.BadRequest,
        "X-Static-Large-Object is a reserved header. To create a static large object add query param multipart-manifest=put.");

    private static SwiftReply Created(StoredObject o, string etag) =>
        SwiftReply.Page(HttpStatusCode.Created).Empty().With("Etag", etag).With("Last-Modified", SwiftFormat.HttpDate(o.Timestamp));

    private SwiftReply Get(SwiftRequest r, StoredObject o, bool manifestItself)
    {
        var asManifest = manifestItself && o.Slo is not null;
        List<ReadOnlyMemory<byte>>? parts = asManifest || (o.Slo is null && o.DloManifest is null) ? [o.Data] : Content(r.Account, o, 0);
        if (parts is null) return SwiftReply.Page(HttpStatusCode.Conflict);   // a segment is gone or changed
        var length = parts.Sum(p => (long)p.Length);
        var etag = asManifest || o.DloManifest is null && o.Slo is null ? o.ETag : o.Slo is not null ? o.SloETag! : DloETag(r.Account, o.DloManifest!);
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Content-Type", asManifest ? "application/json; charset=utf-8" : o.ContentType),
        };
        headers.AddRange(o.Metadata);
        if (o.Slo is not null) headers.Add(new("X-Static-Large-Object", "True"));
        if (o.Slo is not null && !asManifest) headers.Add(new("X-Manifest-Etag", o.ETag));
        headers.Add(new("Etag", o.Slo is not null && !asManifest || o.DloManifest is not null ? $"\"{etag}\"" : etag));
        headers.Add(new("Last-Modified", SwiftFormat.HttpDate(o.Timestamp)));
        headers.Add(new("X-Timestamp", SwiftFormat.XTimestamp(o.Timestamp)));
        headers.Add(new("Accept-Ranges", "bytes"));

        if (Condition(r, etag, o.Timestamp) is { } status)
            return new SwiftReply(status, null, status == HttpStatusCode.NotModified ? o.ContentType : "text/html; charset=UTF-8") { Length = 0 }.WithAll(headers.Skip(1));

        var body = Concat(parts);
        // A HEAD answers the whole object whatever the range, as Swift's does.
        var range = !r.IsHead && r.Header("Range") is { } spec ? SwiftRange.Resolve(spec, length) : null;
        if (range is { Satisfiable: false })
            return SwiftReply.Page(HttpStatusCode.RequestedRangeNotSatisfiable).WithAll(headers.Skip(1)).With("Content-Range", $"bytes */{length}");
        SwiftReply reply;
        if (range is { } rg)
        {
            reply = new SwiftReply(HttpStatusCode.PartialContent, body.AsSpan((int)rg.Start, (int)(rg.End - rg.Start + 1)).ToArray())
                .With("Content-Range", $"bytes {rg.Start}-{rg.End}/{length}");
        }
        else reply = new SwiftReply(HttpStatusCode.OK, body);
        reply.ContentType = headers[0].Value;
        reply.WithAll(headers.Skip(1));
        if (r.IsHead)
        {
            reply.Length = reply.Body.LongLength;
            reply.Body = [];
        }
        return reply;
    }

    /// <summary>If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since of a GET or HEAD: the status they force, or null.</summary>
    private static HttpStatusCode? Condition(SwiftRequest r, string etag, decimal timestamp)
    {
        static bool Matches(string header, string etag) =>
            header.Split(',').Select(SwiftFormat.Unquote).Any(e => e == "*" || string.Equals(e, etag, StringComparison.OrdinalIgnoreCase));
        if (r.Header("If-Match") is { } ifMatch && !Matches(ifMatch, etag)) return HttpStatusCode.PreconditionFailed;
        if (r.Header("If-None-Match") is { } ifNone && Matches(ifNone, etag)) return HttpStatusCode.NotModified;
        var modified = DateTime.UnixEpoch.AddSeconds((double)Math.Ceiling(timestamp));
        if (r.Header("If-Unmodified-Since") is { } u && DateTime.TryParse(u, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var since) && modified > since)
            return HttpStatusCode.PreconditionFailed;
        if (r.Header("If-None-Match") is null && r.Header("If-Modified-Since") is { } m
            && DateTime.TryParse(m, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var after) && modified <= after)
            return HttpStatusCode.NotModified;
        return null;
    }

    /// <summary>Copies the X-Object-Meta-* (non-empty) and the other kept headers of a request onto an object.</summary>
    private static void Keep(List<KeyValuePair<string, string>> metadata, SwiftRequest r)
    {
        foreach (var (key, value) in r.Headers)
        {
            var kept = key.StartsWith("X-Object-Meta-", StringComparison.OrdinalIgnoreCase) || KeptHeaders.Contains(key, StringComparer.OrdinalIgnoreCase);
            if (!kept) continue;
            metadata.RemoveAll(m => m.Key.Equals(key, StringComparison.OrdinalIgnoreCase));
            if (value.Length > 0) metadata.Add(new(key, value));
        }
    }

    private static string? Find(List<KeyValuePair<string, string>> metadata, string name) =>
        metadata.FirstOrDefault(m => m.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The Content-Type sent, else one guessed from the name's extension (Swift guesses with Python's mimetypes).</summary>
    private static string ContentTypeOf(SwiftRequest r) =>
        r.Header("Content-Type") is { Length: > 0 } t && !string.Equals(r.Header("X-Detect-Content-Type"), "true", StringComparison.OrdinalIgnoreCase)
            ? t
            : UploadHeaders.GuessContentType(r.Object!);

    /// <summary><c>container/object</c> (a leading slash allowed, percent-encoding undone), or null.</summary>
    private static (string Container, string Name)? Split(string? path)
    {
        if (path is null) return null;
        var p = Uri.UnescapeDataString(path).TrimStart('/');
        var slash = p.IndexOf('/');
        return slash <= 0 || slash == p.Length - 1 ? null : (p[..slash], p[(slash + 1)..]);
    }
}
