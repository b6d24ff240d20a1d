using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace OpenStack.Actors.TestKit;

// Static Large Objects (the slo middleware) and Dynamic Large Objects (the dlo middleware).
public sealed partial class InMemoryObjectStore
{
    private static readonly string[] SegmentKeys = ["path", "etag", "size_bytes", "range"];

    /// <summary>Large objects inside large objects are followed this deep, as Swift's max_slo_recursion_depth.</summary>
    private const int MaxDepth = 10;

    private SwiftReply PutManifest(SwiftRequest r, StoredContainer container, StoredObject? existing)
    {
        if (Refusal(r, existing) is { } refused) return refused;
        if (r.Body.Length > Options.MaxManifestSize)
            return SwiftReply.Text(HttpStatusCode.RequestEntityTooLarge, $"Manifest File > {Options.MaxManifestSize} bytes", "text/html; charset=UTF-8");
        JsonElement list;
        try
        {
            using var doc = JsonDocument.Parse(r.Body);
            list = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return SwiftReply.Text(HttpStatusCode.BadRequest, "Manifest must be valid JSON.\n", "text/html; charset=UTF-8");
        }
        if (list.ValueKind != JsonValueKind.Array) return SwiftReply.Text(HttpStatusCode.BadRequest, "Manifest must be a list.\n", "text/html; charset=UTF-8");
        var entries = list.EnumerateArray().ToList();
        if (entries.Count > Options.MaxManifestSegments)
            return SwiftReply.Text(HttpStatusCode.RequestEntityTooLarge, $"Number of object-backed segments must be <= {Options.MaxManifestSegments}", "text/html; charset=UTF-8");

        var requests = new List<SegmentRequest>();
        var errors = new StringBuilder();
        for (var i = 0; i < entries.Count; i++)
        {
            if (ParseSegment(entries[i], i, i == entries.Count - 1, $"{r.Container}/{r.Object}") is { } error) errors.Append($"Index {i}: {error}\n");
            else requests.Add(SegmentOf(entries[i]));
        }
        if (errors.Length > 0) return SwiftReply.Text(HttpStatusCode.BadRequest, errors.ToString());

        var segments = new List<StoredSegment>();
        var problems = new List<(string Path, string Problem)>();
        for (var i = 0; i < requests.Count; i++)
        {
            var (path, etag, size, range) = requests[i];
            var quoted = "/" + Quote(path.Container + "/" + path.Name);
            if (FindContainer(r.Account, path.Container)?.Objects.TryGetValue(path.Name, out var seg) != true || seg is null)
            {
                problems.Add((quoted, "404 Not Found"));
                continue;
            }
            var bytes = Content(r.Account, seg, 0)?.Sum(p => (long)p.Length) ?? 0;
            var hash = ETagOf(r.Account, seg);
            long? start = null, end = null;
            if (range is not null)
            {
                if (SwiftRange.Resolve("bytes=" + range, bytes) is not { Satisfiable: true } rg) problems.Add((quoted, "Unsatisfiable Range"));
                else if (rg.Start != 0 || rg.End != bytes - 1) (start, end) = (rg.Start, rg.End);
            }
            var length = start is { } s ? end!.Value - s + 1 : bytes;
            var last = i == requests.Count - 1;
            if (length < 1 && !last) problems.Add((quoted, "Too small; each segment must be at least 1 byte."));
            else if (length < Options.MinSegmentSize && !last) problems.Add((quoted, $"Too small; each segment, except the last, must be at least {Options.MinSegmentSize} bytes."));
            if (size is { } want && want != bytes) problems.Add((quoted, "Size Mismatch"));
            if (etag is { } e && !string.Equals(SwiftFormat.Unquote(e), hash, StringComparison.OrdinalIgnoreCase)) problems.Add((quoted, "Etag Mismatch"));
            segments.Add(new StoredSegment(path.Container, path.Name, bytes, hash, seg.ContentType, SwiftFormat.ListingTime(Math.Ceiling(seg.Timestamp)), start, end)
            { SubSlo = seg.Slo is not null });
        }
        if (problems.Count > 0)
        {
            if (r.Header("Accept")?.Contains("application/json", StringComparison.OrdinalIgnoreCase) == true)
                return new SwiftReply(HttpStatusCode.BadRequest, JsonSerializer.SerializeToUtf8Bytes(new { Errors = problems.Select(p => new[] { p.Path, p.Problem }) }), "application/json");
            return SwiftReply.Text(HttpStatusCode.BadRequest, "Errors:\n" + string.Concat(problems.Select(p => $"{p.Path}, {p.Problem}\n")));
        }

        var sloETag = SwiftFormat.Md5(string.Concat(segments.Select(s => s.RangeStart is null ? s.Hash : $"{s.Hash}:{s.RangeStart}-{s.RangeEnd};")));
        if (r.Header("ETag") is { } sent && !string.Equals(SwiftFormat.Unquote(sent), sloETag, StringComparison.OrdinalIgnoreCase))
            return SwiftReply.Page(HttpStatusCode.UnprocessableEntity);
        var data = StoredManifest(segments);
        var stored = new StoredObject
        {
            Data = data, ETag = SwiftFormat.Md5(data), ContentType = ContentTypeOf(r), Timestamp = NextTimestamp(),
            Slo = segments, SloETag = sloETag, SloBytes = segments.Sum(s => s.Length),
        };
        Keep(stored.Metadata, r);
        stored.Metadata.RemoveAll(m => m.Key.Equals("X-Object-Manifest", StringComparison.OrdinalIgnoreCase));
        container.Objects[r.Object!] = stored;
        return Created(stored, $"\"{sloETag}\"");
    }

    private readonly record struct SegmentRequest((string Container, string Name) Path, string? ETag, long? Size, string? Range);

    /// <summary>The slo middleware's checks of one manifest entry before it looks at the segment: the problem, or null.</summary>
    private static string? ParseSegment(JsonElement e, int index, bool last, string self)
    {
        if (e.ValueKind != JsonValueKind.Object) return "not a JSON object";
        var extra = e.EnumerateObject().Select(p => p.Name).Where(k => !SegmentKeys.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (extra.Count > 0) return "extraneous keys " + string.Join(", ", extra.Select(k => $"\"{k}\""));
        if (!e.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String) return "\"path\" must be a string";
        if (e.TryGetProperty("etag", out var etag) && etag.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)) return "\"etag\" must be a string or null (if provided)";
        var p = path.GetString()!.Trim('/');
        if (!p.Contains('/')) return "path does not refer to an object. Path must be of the form /container/object.";
        if (e.TryGetProperty("size_bytes", out var size) && size.ValueKind != JsonValueKind.Null)
        {
            if (SizeOf(size) is not { } n) return "invalid size_bytes";
            if (n < 1 && !last) return "too small; each segment must be at least 1 byte.";
        }
        if (path.GetString()!.TrimStart('/') == self) return "manifest must not include itself as a segment";
        if (e.TryGetProperty("range", out var range) && range.ValueKind != JsonValueKind.Null)
        {
            var text = range.ValueKind == JsonValueKind.String ? range.GetString()! : "";
            if (text.Contains(',')) return "multiple ranges (only one allowed)";
            if (SwiftRange.Resolve("bytes=" + text, long.MaxValue) is null) return "invalid range";
        }
        return null;
    }

    private static long? SizeOf(JsonElement size) =>
        size.ValueKind == JsonValueKind.Number && size.TryGetInt64(out var n) ? n
        : size.ValueKind == JsonValueKind.String && long.TryParse(size.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var m) ? m
        : null;

    private static SegmentRequest SegmentOf(JsonElement e)
    {
        var p = e.GetProperty("path").GetString()!.TrimStart('/');
        var slash = p.IndexOf('/');
        return new SegmentRequest((p[..slash], p[(slash + 1)..]),
            e.TryGetProperty("etag", out var etag) && etag.ValueKind == JsonValueKind.String ? etag.GetString() : null,
            e.TryGetProperty("size_bytes", out var size) ? SizeOf(size) : null,
            e.TryGetProperty("range", out var range) && range.ValueKind == JsonValueKind.String ? range.GetString() : null);
    }

    /// <summary>The manifest as Swift stores it and <c>?multipart-manifest=get</c> returns it.</summary>
    private static byte[] StoredManifest(List<StoredSegment> segments)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var s in segments)
            {
                w.WriteStartObject();
                w.WriteString("name", "/" + s.Container + "/" + s.Name);
                w.WriteNumber("bytes", s.Bytes);
                w.WriteString("hash", s.Hash);
                w.WriteString("content_type", s.ContentType);
                w.WriteString("last_modified", s.LastModified);
                if (s.RangeStart is { } start) w.WriteString("range", $"{start}-{s.RangeEnd}");
                if (s.SubSlo) w.WriteBoolean("sub_slo", true);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return buffer.ToArray();
    }

    /// <summary>The content of an object as a GET returns it: a large object's segments in order (ranges applied), or null when
    /// a segment is missing or no longer has the ETag the manifest recorded (Swift then answers 409).</summary>
    private List<ReadOnlyMemory<byte>>? Content(string account, StoredObject o, int depth)
    {
        if (depth > MaxDepth) return null;
        if (o.Slo is { } segments)
        {
            var parts = new List<ReadOnlyMemory<byte>>();
            foreach (var s in segments)
            {
                if (FindContainer(account, s.Container)?.Objects.TryGetValue(s.Name, out var seg) != true || seg is null) return null;
                if (!string.Equals(ETagOf(account, seg), s.Hash, StringComparison.OrdinalIgnoreCase) || Content(account, seg, depth + 1) is not { } inner) return null;
                parts.AddRange(s.RangeStart is { } start ? Slice(inner, start, s.Length) : inner);
            }
            return parts;
        }
        if (o.DloManifest is { } manifest)
        {
            var parts = new List<ReadOnlyMemory<byte>>();
            foreach (var seg in DloSegments(account, manifest))
                if (Content(account, seg, depth + 1) is { } inner) parts.AddRange(inner);
            return parts;
        }
        return [o.Data];
    }

    /// <summary>The ETag a HEAD of the object answers, unquoted.</summary>
    private string ETagOf(string account, StoredObject o) =>
        o.SloETag ?? (o.DloManifest is { } m ? DloETag(account, m) : o.ETag);

    /// <summary>A Dynamic Large Object's ETag: the MD5 of its segments' ETags, in name order.</summary>
    private string DloETag(string account, string manifest) => SwiftFormat.Md5(string.Concat(DloSegments(account, manifest).Select(s => s.ETag)));

    /// <summary>The objects of <c>container/prefix</c> (the X-Object-Manifest, percent-encoding undone) in name order.</summary>
    private IEnumerable<StoredObject> DloSegments(string account, string manifest)
    {
        var value = Uri.UnescapeDataString(manifest).TrimStart('/');
        var slash = value.IndexOf('/');
        if (slash <= 0 || FindContainer(account, value[..slash]) is not { } c) return [];
        var prefix = value[(slash + 1)..];
        return c.Objects.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(kv => kv.Value);
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Slice(List<ReadOnlyMemory<byte>> parts, long start, long length)
    {
        foreach (var p in parts)
        {
            if (length <= 0) yield break;
            if (start >= p.Length)
            {
                start -= p.Length;
                continue;
            }
            var take = (int)Math.Min(p.Length - start, length);
            yield return p.Slice((int)start, take);
            length -= take;
            start = 0;
        }
    }

    /// <summary>Percent-encodes a path as Python's quote does (slashes kept).</summary>
    private static string Quote(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
}
