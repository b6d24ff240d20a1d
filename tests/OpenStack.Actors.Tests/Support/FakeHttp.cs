using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace OpenStack.Actors.Tests.Support;

/// <summary>What the fake server received.</summary>
public sealed record RecordedRequest(HttpMethod Method, Uri Url, IReadOnlyDictionary<string, string> Headers, byte[]? Body)
{
    public string? Token => Headers.TryGetValue("X-Auth-Token", out var t) ? t : null;
    public string BodyText => Body is null ? "" : Encoding.UTF8.GetString(Body);
}

/// <summary>An in-process HTTP server stand-in: records every request and answers through a script.</summary>
public sealed class FakeHttp(Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
{
    public FakeHttp(Func<RecordedRequest, HttpResponseMessage> respond) : this((r, _) => Task.FromResult(respond(r))) { }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in request.Headers) headers[h.Key] = string.Join(", ", h.Value);
        byte[]? body = null;
        if (request.Content is not null)
        {
            foreach (var h in request.Content.Headers) headers[h.Key] = string.Join(", ", h.Value);
            body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        var recorded = new RecordedRequest(request.Method, request.RequestUri!, headers, body);
        Requests.Enqueue(recorded);
        var response = await respond(recorded, cancellationToken);
        response.RequestMessage = request;
        return response;
    }

    public static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    public static HttpResponseMessage Status(HttpStatusCode status, string? text = null) =>
        new(status) { Content = new StringContent(text ?? "", Encoding.UTF8, "text/plain") };
}

/// <summary>Canned Keystone v3 answers.</summary>
public static class KeystoneCanned
{
    public const string AuthUrl = "http://keystone.test:5000/v3";
    public const string SwiftPublic = "http://swift.test:8080/v1/AUTH_demo";

    public static readonly (string Type, string Name, string Interface, string Region, string Url)[] DefaultCatalog =
    [
        ("identity", "keystone", "public", "RegionOne", "http://keystone.test:5000/v3"),
        ("object-store", "swift", "public", "RegionOne", SwiftPublic),
        ("object-store", "swift", "internal", "RegionOne", "http://swift-internal.test:8080/v1/AUTH_demo"),
        ("object-store", "swift", "admin", "RegionOne", "http://swift-admin.test:8080/v1"),
        ("object-store", "swift", "public", "RegionTwo", "http://swift-two.test:8080/v1/AUTH_demo"),
        ("volumev3", "cinderv3", "public", "RegionOne", "http://cinder.test:8776/v3/demo"),
    ];

    public static string CatalogJson(IEnumerable<(string Type, string Name, string Interface, string Region, string Url)> endpoints) =>
        JsonSerializer.Serialize(endpoints.GroupBy(e => (e.Type, e.Name)).Select(g => new
        {
            type = g.Key.Type,
            name = g.Key.Name,
            id = Guid.NewGuid().ToString("N"),
            endpoints = g.Select(e => new { id = Guid.NewGuid().ToString("N"), @interface = e.Interface, region = e.Region, region_id = e.Region, url = e.Url }),
        }));

    public static HttpResponseMessage Token(string token, DateTimeOffset expiresAt,
        IEnumerable<(string Type, string Name, string Interface, string Region, string Url)>? catalog = null)
    {
        var body = $$$"""
            {"token": {"methods": ["password"], "expires_at": "{{{expiresAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss.ffffffZ}}}",
              "user": {"id": "u-demo", "name": "demo", "domain": {"id": "default", "name": "Default"}},
              "project": {"id": "p-demo", "name": "demo", "domain": {"id": "default", "name": "Default"}},
              "roles": [{"id": "r1", "name": "member"}],
              "catalog": {{{CatalogJson(catalog ?? DefaultCatalog)}}} }}
            """;
        var response = FakeHttp.Json(HttpStatusCode.Created, body);
        response.Headers.Add("X-Subject-Token", token);
        response.Headers.Add("x-openstack-request-id", "req-" + Guid.NewGuid());
        return response;
    }

    public static HttpResponseMessage Unauthorized() => FakeHttp.Json(HttpStatusCode.Unauthorized,
        """{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}""");
}
