using System.Net;
using System.Net.Http.Headers;

namespace OpenStack.Actors.TestKit;

/// <summary>
/// The wire of an <see cref="InMemoryObjectStore"/> (and, with a Keystone, of an <see cref="InMemoryCloud"/>): turns requests into
/// the store's calls and its replies into responses. Paths decide, hosts do not: <c>POST .../auth/tokens</c> goes to Keystone,
/// <c>GET /info</c> is served without a token, <c>/v1/{account}/...</c> needs a live token when there is a Keystone.
/// </summary>
internal sealed class InMemorySwiftHandler(InMemoryObjectStore store, KeystoneStandIn? keystone) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var url = request.RequestUri ?? throw new InvalidOperationException("The request has no url");
        byte[] body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var response = Respond(request, url, body);
        response.RequestMessage = request;
        return response;
    }

    private HttpResponseMessage Respond(HttpRequestMessage request, Uri url, byte[] body)
    {
        if (keystone is not null && keystone.IsTokenRequest(request.Method, url)) return keystone.Issue(body);
        var segments = url.AbsolutePath.Split('/');
        if (segments.Length == 2 && segments[1] == "info")
            return request.Method == HttpMethod.Get || request.Method == HttpMethod.Head
                ? ToResponse(SwiftReply.Json(HttpStatusCode.OK, store.Info()), request.Method == HttpMethod.Head)
                : ToResponse(SwiftReply.Page(HttpStatusCode.MethodNotAllowed), false);
        if (segments.Length < 3 || segments[1] is not ("v1" or "v1.0") || segments[2].Length == 0)
            return ToResponse(SwiftReply.Page(HttpStatusCode.NotFound), false);

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in request.Headers) headers[h.Key] = string.Join(", ", h.Value);
        if (request.Content is not null) foreach (var h in request.Content.Headers) headers[h.Key] = string.Join(", ", h.Value);
        if (keystone is not null && (!headers.TryGetValue("X-Auth-Token", out var token) || !keystone.IsLive(token)))
            return KeystoneStandIn.SwiftUnauthorized();

        var container = segments.Length > 3 && segments[3].Length > 0 ? Uri.UnescapeDataString(segments[3]) : null;
        var obj = segments.Length > 4 ? Uri.UnescapeDataString(string.Join('/', segments[4..])) : "";
        var swift = new SwiftRequest(request.Method.Method.ToUpperInvariant(), Uri.UnescapeDataString(segments[2]), container,
            container is null || obj.Length == 0 ? null : obj, Query(url.Query), headers, body, LengthOf(request), IsChunked(request));
        return ToResponse(store.Handle(swift), swift.IsHead);
    }

    /// <summary>The Content-Length the socket handler would send: a request without content sends 0 for PUT and POST.</summary>
    private static long? LengthOf(HttpRequestMessage request) =>
        request.Content is null ? 0 : request.Content.Headers.ContentLength;

    /// <summary>The socket handler sends a body of unknown length chunked unless told not to.</summary>
    private static bool IsChunked(HttpRequestMessage request) =>
        request.Headers.TransferEncodingChunked == true
        || request.Content is not null && request.Content.Headers.ContentLength is null && request.Headers.TransferEncodingChunked != false;

    /// <summary>Query parameters as Swift's WSGI layer reads them: '+' is a space, a key without '=' has the value "".</summary>
    private static Dictionary<string, string> Query(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var key = Unescape(eq < 0 ? pair : pair[..eq]);
            result.TryAdd(key, eq < 0 ? "" : Unescape(pair[(eq + 1)..]));
        }
        return result;
    }

    private static string Unescape(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    private static HttpResponseMessage ToResponse(SwiftReply reply, bool head)
    {
        var response = new HttpResponseMessage(reply.Status) { Content = new ByteArrayContent(head ? [] : reply.Body) };
        if (reply.ContentType is not null) response.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(reply.ContentType);
        response.Content.Headers.ContentLength = reply.Length ?? (head ? 0 : reply.Body.LongLength);
        foreach (var (name, value) in reply.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) continue;
            if (!response.Headers.TryAddWithoutValidation(name, value)) response.Content.Headers.TryAddWithoutValidation(name, value);
        }
        response.Headers.Date = DateTimeOffset.UtcNow;
        return response;
    }

}
