using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace OpenStack.Actors.TestKit;

/// <summary>A request to the in-memory Swift, its path already split and unquoted.</summary>
/// <param name="Method">The method.</param>
/// <param name="Account">The account (<c>AUTH_...</c>).</param>
/// <param name="Container">The container, or null for the account.</param>
/// <param name="Object">The object name, or null for the container.</param>
/// <param name="Query">Query parameters, unquoted (a key without a value maps to "").</param>
/// <param name="Headers">Request and content headers (case-insensitive).</param>
/// <param name="Body">The body.</param>
/// <param name="ContentLength">The Content-Length sent, or null.</param>
/// <param name="Chunked">True when the body is sent chunked.</param>
internal sealed record SwiftRequest(string Method, string Account, string? Container, string? Object, IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string> Headers, byte[] Body, long? ContentLength, bool Chunked)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    public string? Param(string name) => Query.TryGetValue(name, out var v) ? v : null;

    public bool Has(string name) => Query.ContainsKey(name);

    /// <summary>True when the client asked for JSON (<c>format=json</c>, or an Accept of application/json).</summary>
    public bool WantsJson => Param("format") is { } f
        ? f.Equals("json", StringComparison.OrdinalIgnoreCase)
        : Header("Accept")?.Contains("application/json", StringComparison.OrdinalIgnoreCase) == true;

    public bool IsHead => Method == "HEAD";
}

/// <summary>A reply of the in-memory Swift.</summary>
internal sealed class SwiftReply(HttpStatusCode status, byte[]? body = null, string? contentType = null)
{
    public HttpStatusCode Status { get; } = status;
    public byte[] Body { get; set; } = body ?? [];
    public string? ContentType { get; set; } = contentType;

    /// <summary>Content-Length when it differs from the body's (a HEAD announces the length of what a GET would send).</summary>
    public long? Length { get; set; }

    public List<KeyValuePair<string, string>> Headers { get; } = new();

    /// <summary>Drops the body (Swift's 201 has none), keeping the content type.</summary>
    public SwiftReply Empty()
    {
        Body = [];
        return this;
    }

    public SwiftReply With(string name, string value)
    {
        Headers.Add(new(name, value));
        return this;
    }

    public SwiftReply WithAll(IEnumerable<KeyValuePair<string, string>> headers)
    {
        Headers.AddRange(headers);
        return this;
    }

    /// <summary>Swift's small HTML page for a status (the proxy's and the middlewares' default bodies).</summary>
    public static SwiftReply Page(HttpStatusCode status)
    {
        var (title, text) = Pages.TryGetValue(status, out var p) ? p : (status.ToString(), "");
        return new SwiftReply(status, Encoding.UTF8.GetBytes($"<html><h1>{title}</h1><p>{text}</p></html>"), "text/html; charset=UTF-8");
    }

    /// <summary>A plain-text error, as constraints and middlewares answer (400 with a reason, 411...).</summary>
    public static SwiftReply Text(HttpStatusCode status, string text, string contentType = "text/plain") =>
        new(status, Encoding.UTF8.GetBytes(text), contentType);

    public static SwiftReply Json(HttpStatusCode status, byte[] json) => new(status, json, "application/json; charset=utf-8");

    /// <summary>204 No Content, with Swift's content type for one.</summary>
    public static SwiftReply NoContent() => new(HttpStatusCode.NoContent, null, "text/html; charset=UTF-8");

    private static readonly Dictionary<HttpStatusCode, (string, string)> Pages = new()
    {
        [HttpStatusCode.Created] = ("Created", ""),
        [HttpStatusCode.Accepted] = ("Accepted", "The request is accepted for processing."),
        [HttpStatusCode.BadRequest] = ("Bad Request", "The server could not comply with the request since it is either malformed or otherwise incorrect."),
        [HttpStatusCode.NotFound] = ("Not Found", "The resource could not be found."),
        [HttpStatusCode.MethodNotAllowed] = ("Method Not Allowed", "The method is not allowed for this resource."),
        [HttpStatusCode.Conflict] = ("Conflict", "There was a conflict when trying to complete your request."),
        [HttpStatusCode.PreconditionFailed] = ("Precondition Failed", "A precondition for this request was not met."),
        [HttpStatusCode.RequestEntityTooLarge] = ("Request Entity Too Large", "The body of your request was too large for this server."),
        [HttpStatusCode.RequestedRangeNotSatisfiable] = ("Requested Range Not Satisfiable", "The Range requested is not available."),
        [HttpStatusCode.UnprocessableEntity] = ("Unprocessable Entity", "Unable to process the contained instructions"),
        [HttpStatusCode.NotImplemented] = ("Not Implemented", "The server has no support for this request."),
    };
}

/// <summary>Swift's time formats and hashes.</summary>
internal static class SwiftFormat
{
    /// <summary>Swift's internal timestamp: seconds since the epoch with five decimals (<c>X-Timestamp</c>).</summary>
    public static decimal Timestamp(DateTimeOffset t) => Math.Round((decimal)(t.UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond, 5);

    public static string XTimestamp(decimal ts) => ts.ToString("0.00000", CultureInfo.InvariantCulture);

    /// <summary>Last-Modified: the timestamp rounded up to the second, in HTTP date format.</summary>
    public static string HttpDate(decimal ts) =>
        DateTime.UnixEpoch.AddSeconds((double)Math.Ceiling(ts)).ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A listing's <c>last_modified</c>: ISO 8601 with microseconds and no zone.</summary>
    public static string ListingTime(decimal ts) =>
        DateTime.UnixEpoch.AddTicks((long)(ts * TimeSpan.TicksPerSecond)).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    public static string Md5(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(MD5.HashData(data));

    public static string Md5(string text) => Md5(Encoding.UTF8.GetBytes(text));

    /// <summary>The ETag without quotes.</summary>
    public static string Unquote(string etag) => etag.Trim().Trim('"');
}

/// <summary>One byte range of a <c>Range</c> header resolved against a length, as Swift's swob does it.</summary>
/// <param name="Start">First byte.</param>
/// <param name="End">Last byte (inclusive).</param>
/// <param name="Satisfiable">False when the range lies outside the object (416).</param>
internal readonly record struct SwiftRange(long Start, long End, bool Satisfiable)
{
    /// <summary>The range of <paramref name="header"/>; null when the header is not a valid single range (Swift then ignores it
    /// and sends the whole object; several ranges, which Swift answers as multipart/byteranges, are not supported here). No
    /// range of an empty object is satisfiable.</summary>
    public static SwiftRange? Resolve(string header, long length)
    {
        var spec = header.Trim();
        if (!spec.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase)) return null;
        var ranges = spec["bytes=".Length..].Split(',');
        if (ranges.Length != 1) return null;
        var dash = ranges[0].IndexOf('-');
        if (dash < 0) return null;
        var (a, b) = (ranges[0][..dash].Trim(), ranges[0][(dash + 1)..].Trim());
        long? begin = a.Length == 0 ? null : long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var x) ? x : -1;
        long? end = b.Length == 0 ? null : long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var y) ? y : -1;
        if (begin == -1 || end == -1 || begin is null && end is null || begin is { } s && end is { } e && e < s) return null;
        if (begin is null)   // a suffix: the last n bytes, all of them when n exceeds the length
            return end == 0 || length == 0 ? new SwiftRange(0, 0, false) : new SwiftRange(Math.Max(0, length - end!.Value), length - 1, true);
        if (begin >= length) return new SwiftRange(0, 0, false);
        return new SwiftRange(begin.Value, Math.Min(end ?? length - 1, length - 1), true);
    }
}
