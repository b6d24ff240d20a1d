using System.Globalization;
using System.Net;
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
public sealed partial class ObjectStoreClient
{
    /// <summary>Wraps a session.</summary>
    /// <param name="session">The session to send requests through.</param>
    /// <param name="service">The object-store endpoint filter (default: <see cref="ServiceFilter.ObjectStore"/>).</param>
    /// <param name="settings">Timeouts and upload defaults (default: <see cref="ObjectStoreSettings"/>'s defaults).</param>
    public ObjectStoreClient(OpenStackSession session, ServiceFilter? service = null, ObjectStoreSettings? settings = null)
    {
        Session = session ?? throw new ArgumentNullException(nameof(session));
        Service = service ?? ServiceFilter.ObjectStore;
        Settings = settings ?? ObjectStoreSettings.Default;
    }

    /// <summary>The session every request goes through (tokens, retries, endpoint protection).</summary>
    public OpenStackSession Session { get; }

    /// <summary>The endpoint filter of every request.</summary>
    public ServiceFilter Service { get; }

    /// <summary>Timeouts and batch defaults; a job's own settings take their place for that job.</summary>
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
