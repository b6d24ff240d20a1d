using System.Globalization;
using System.Net;
using System.Text.Json;

namespace OpenStack.Actors.TestKit;

// Account and container listings, as Swift's container and account servers page them.
public sealed partial class InMemoryObjectStore
{
    private SwiftReply ListObjects(SwiftRequest r, StoredContainer c) =>
        Listing(r, c.Objects, Options.ContainerListingLimit, (w, name, o) =>
        {
            w.WriteNumber("bytes", o.ListedBytes);
            w.WriteString("hash", o.ETag);
            w.WriteString("name", name);
            w.WriteString("content_type", o.ContentType);
            w.WriteString("last_modified", SwiftFormat.ListingTime(o.Timestamp));
            if (o.SloETag is { } slo) w.WriteString("slo_etag", $"\"{slo}\"");
        });

    private SwiftReply ListContainers(SwiftRequest r, StoredAccount a) =>
        Listing(r, a.Containers, Options.AccountListingLimit, (w, name, c) =>
        {
            w.WriteString("name", name);
            w.WriteNumber("count", c.Objects.Count);
            w.WriteNumber("bytes", c.Bytes);
            w.WriteString("last_modified", SwiftFormat.ListingTime(c.Created));
        });

    /// <summary>One page of a listing: names after <c>marker</c> and before <c>end_marker</c> (the other way round with
    /// <c>reverse</c>) that start with <c>prefix</c>, names below a <c>delimiter</c> folded into one subdir entry (never the
    /// marker itself, so that a page ending in a subdir continues after it), at most <c>limit</c> entries (and at most
    /// <see cref="InMemoryObjectStoreOptions.PageCap"/>). JSON, or one name a line (204 when empty).</summary>
    private SwiftReply Listing<T>(SwiftRequest r, SwiftSortedMap<T> items, int maxLimit, Action<Utf8JsonWriter, string, T> write)
        where T : class
    {
        var limit = maxLimit;
        if (r.Param("limit") is { } l)
        {
            if (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit))
                return SwiftReply.Text(HttpStatusCode.PreconditionFailed, "Value of limit must be a positive integer", "text/html; charset=UTF-8");
            if (limit > maxLimit) return SwiftReply.Text(HttpStatusCode.PreconditionFailed, $"Maximum limit is {maxLimit}", "text/html; charset=UTF-8");
        }
        if (Options.PageCap is { } cap) limit = Math.Min(limit, cap);
        if (r.Param("format") is { } format && !format.Equals("json", StringComparison.OrdinalIgnoreCase) && !format.Equals("plain", StringComparison.OrdinalIgnoreCase))
            return SwiftReply.Page(HttpStatusCode.NotImplemented);   // XML listings are not implemented here

        var reverse = r.Param("reverse") is { } rev && rev.ToLowerInvariant() is "true" or "1" or "yes" or "on" or "t" or "y";
        var (marker, endMarker, prefix, delimiter) = (r.Param("marker") is { Length: > 0 } m ? m : null, r.Param("end_marker") is { Length: > 0 } e ? e : null,
            r.Param("prefix") ?? "", r.Param("delimiter") is { Length: > 0 } d ? d : null);
        var page = new List<(string Name, T? Item)>();
        string? lastDir = null;
        // Forward, the page starts where the marker and the prefix say (names with a prefix are contiguous in this order).
        foreach (var (name, item) in reverse ? items.Reverse() : items.Starting(marker, prefix.Length == 0 ? null : prefix))
        {
            if (page.Count >= limit) break;
            var afterMarker = marker is null || (reverse ? SwiftOrder.Compare(name, marker) < 0 : SwiftOrder.Compare(name, marker) > 0);
            var beforeEnd = endMarker is null || (reverse ? SwiftOrder.Compare(name, endMarker) > 0 : SwiftOrder.Compare(name, endMarker) < 0);
            if (!afterMarker) continue;
            if (!beforeEnd) break;
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                if (reverse) continue;
                break;
            }
            var cut = delimiter is null ? -1 : name.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
            if (cut < 0)
            {
                page.Add((name, item));
                continue;
            }
            var dir = name[..(cut + delimiter!.Length)];
            if (dir == lastDir || dir == marker) continue;
            lastDir = dir;
            page.Add((dir, default));
        }

        if (!r.WantsJson)
        {
            if (page.Count == 0) return new SwiftReply(HttpStatusCode.NoContent, null, "text/plain; charset=utf-8");
            return new SwiftReply(HttpStatusCode.OK, System.Text.Encoding.UTF8.GetBytes(string.Concat(page.Select(p => p.Name + "\n"))), "text/plain; charset=utf-8");
        }
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var (name, item) in page)
            {
                w.WriteStartObject();
                if (item is null) w.WriteString("subdir", name);
                else write(w, name, item);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return SwiftReply.Json(HttpStatusCode.OK, buffer.ToArray());
    }
}

/// <summary>Swift's listing order: by UTF-8 bytes, that is by code point (which differs from UTF-16 order for characters above
/// U+FFFF against those from U+E000).</summary>
internal sealed class SwiftOrder : IComparer<string>
{
    public static SwiftOrder Instance { get; } = new();

    public static int Compare(string? a, string? b)
    {
        if (a is null || b is null) return a is null ? b is null ? 0 : -1 : 1;
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
            if (a[i] != b[i]) return Rank(a[i]).CompareTo(Rank(b[i]));
        return a.Length.CompareTo(b.Length);
    }

    int IComparer<string>.Compare(string? x, string? y) => Compare(x, y);

    /// <summary>Surrogates (code points above U+FFFF) rank above every other UTF-16 unit.</summary>
    private static int Rank(char c) => c >= 0xD800 && c <= 0xDFFF ? c + 0x2000 : c >= 0xE000 ? c - 0x800 : c;
}
