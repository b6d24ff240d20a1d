using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Config;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Support;

namespace OpenStack.Actors.Tests.ObjectStore.Streams;

/// <summary>
/// Just enough of Swift in memory for the stage tests: <c>/info</c> (SLO, bulk delete), containers (HEAD, PUT, listing
/// with prefix, marker and limit), objects (PUT with ETag check, HEAD, DELETE), SLO manifests and bulk deletes. Hooks
/// let a test hold or fail requests, and it counts what the stages sent.
/// </summary>
public sealed class MiniSwift
{
    public const string Endpoint = "http://swift.test:8080/v1/AUTH_p";
    private readonly ConcurrentDictionary<string, Stored> _objects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _containers = new(StringComparer.Ordinal);
    private long _inFlightBytes, _maxInFlightBytes;

    public MiniSwift() => Http = new FakeHttp(RespondAsync);

    public FakeHttp Http { get; }

    /// <summary>A client of this Swift through the real SessionActor in <paramref name="system"/>, one attempt per request
    /// (the stages' retries are under test, not the session's).</summary>
    public ObjectStoreClient Client(ActorSystem system, ObjectStoreSettings? settings = null)
    {
        var oneAttempt = SessionSettings.Default with { MaxAttempts = 1 };
        return new ObjectStoreClient(new OpenStackSession(system.ActorOf(SessionActor.Props(new StaticAuthenticator("tok", new Uri(Endpoint)), oneAttempt, Http)),
            oneAttempt), settings: settings);
    }

    /// <summary>Runs before every object PUT (segment, manifest or plain) with its container and name: may wait, or throw
    /// an <see cref="HttpResponseMessage"/>-carrying <see cref="Reply"/> to answer instead.</summary>
    public Func<string, string, CancellationToken, Task>? BeforePut { get; set; }

    /// <summary>While true, container PUTs answer 403.</summary>
    public volatile bool RefuseContainers;

    /// <summary>While true, object PUTs and container HEADs (the outage probe) answer 503.</summary>
    public volatile bool Down;

    /// <summary>How many of the next container listings answer 503.</summary>
    public int FailListings;

    /// <summary>Bulk delete requests still to refuse with a 503.</summary>
    public int FailBulks;

    /// <summary>Called with the count after every container HEAD (the outage probe).</summary>
    public Action<int>? OnProbe { get; set; }

    public int Probes => _probes;
    private int _probes;
    public int PutAttempts => _puts;
    private int _puts;
    public int BulkRequests => _bulks;
    private int _bulks;
    public long MaxInFlightBytes => Interlocked.Read(ref _maxInFlightBytes);

    public IReadOnlyList<string> Names(string container) =>
        _objects.Keys.Where(k => k.StartsWith(container + "/", StringComparison.Ordinal)).Select(k => k[(container.Length + 1)..]).Order(StringComparer.Ordinal).ToList();

    public bool IsManifest(string container, string name) => _objects.TryGetValue(container + "/" + name, out var o) && o.Manifest;

    private sealed record Stored(byte[] Body, string ETag, bool Manifest, string ContentType);

    /// <summary>An answer a hook gives in place of the fake's.</summary>
    public sealed class Reply(HttpStatusCode status) : Exception($"reply {status}")
    {
        public HttpStatusCode Status { get; } = status;
    }

    private async Task<HttpResponseMessage> RespondAsync(RecordedRequest r, CancellationToken ct)
    {
        var path = Uri.UnescapeDataString(r.Url.AbsolutePath);
        var query = r.Url.Query.TrimStart('?');
        if (path == "/info")
            return FakeHttp.Json(HttpStatusCode.OK, """{"swift": {"version": "2.0"}, "slo": {"max_manifest_segments": 1000, "min_segment_size": 1}, "bulk_delete": {"max_deletes_per_request": 10000}}""");
        const string account = "/v1/AUTH_p";
        if (r.Method == HttpMethod.Post && query.Contains("bulk-delete", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _bulks);
            if (Interlocked.Decrement(ref FailBulks) >= 0) return FakeHttp.Status(HttpStatusCode.ServiceUnavailable);
            var names = r.BodyText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Uri.UnescapeDataString(l.Trim()).TrimStart('/')).ToList();
            var deleted = names.Count(n => _objects.TryRemove(n, out _));
            return FakeHttp.Json(HttpStatusCode.OK, $$"""{"Response Status": "200 OK", "Response Body": "", "Number Deleted": {{deleted}}, "Number Not Found": {{names.Count - deleted}}, "Errors": []}""");
        }
        var rest = path[account.Length..].TrimStart('/');
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? rest : rest[..slash];
        var name = slash < 0 ? null : rest[(slash + 1)..];
        if (name is null) return Container(r, container, query);
        var key = container + "/" + name;
        if (r.Method == HttpMethod.Put)
        {
            Interlocked.Increment(ref _puts);
            if (Down) return FakeHttp.Status(HttpStatusCode.ServiceUnavailable);
            var bytes = r.Body?.LongLength ?? 0;
            var now = Interlocked.Add(ref _inFlightBytes, bytes);
            long max;
            while (now > (max = Interlocked.Read(ref _maxInFlightBytes)) && Interlocked.CompareExchange(ref _maxInFlightBytes, now, max) != max) { }
            try
            {
                if (BeforePut is { } hook) await hook(container, name, ct);
            }
            catch (Reply reply)
            {
                return FakeHttp.Status(reply.Status);
            }
            finally
            {
                Interlocked.Add(ref _inFlightBytes, -bytes);
            }
            if (!_containers.ContainsKey(container)) return FakeHttp.Status(HttpStatusCode.NotFound);
            var manifest = query.Contains("multipart-manifest=put", StringComparison.Ordinal);
            var body = r.Body ?? [];
            if (manifest)
            {
                using var doc = JsonDocument.Parse(body);
                foreach (var s in doc.RootElement.EnumerateArray())
                    if (!_objects.ContainsKey(s.GetProperty("path").GetString()!.TrimStart('/'))) return FakeHttp.Status(HttpStatusCode.BadRequest, "missing segment");
            }
            var md5 = Convert.ToHexStringLower(MD5.HashData(body));
            if (!manifest && r.Headers.TryGetValue("ETag", out var sent) && sent.Trim('"') != md5) return FakeHttp.Status(HttpStatusCode.UnprocessableEntity);
            _objects[key] = new Stored(body, md5, manifest, r.Headers.TryGetValue("Content-Type", out var t) ? t : "application/octet-stream");
            var created = FakeHttp.Status(HttpStatusCode.Created);
            created.Headers.ETag = new System.Net.Http.Headers.EntityTagHeaderValue("\"" + (manifest ? SloETag(body) : md5) + "\"");
            return created;
        }
        if (r.Method == HttpMethod.Head)
        {
            if (!_objects.TryGetValue(key, out var o)) return new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new ByteArrayContent([]) };
            var head = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
            head.Content.Headers.ContentLength = o.Manifest ? SloLength(o.Body) : o.Body.Length;
            head.Headers.ETag = new System.Net.Http.Headers.EntityTagHeaderValue("\"" + (o.Manifest ? SloETag(o.Body) : o.ETag) + "\"");
            if (o.Manifest) head.Headers.Add("X-Static-Large-Object", "True");
            return head;
        }
        if (r.Method == HttpMethod.Delete)
        {
            var found = _objects.TryRemove(key, out var o);
            if (query.Contains("multipart-manifest=delete", StringComparison.Ordinal))
            {
                var segments = found && o!.Manifest ? Segments(o.Body).ToList() : [];
                foreach (var s in segments) _objects.TryRemove(s, out _);
                return FakeHttp.Json(HttpStatusCode.OK, $$"""{"Response Status": "{{(found ? "200 OK" : "404 Not Found")}}", "Response Body": "", "Number Deleted": {{(found ? segments.Count + 1 : 0)}}, "Number Not Found": {{(found ? 0 : 1)}}, "Errors": []}""");
            }
            return FakeHttp.Status(found ? HttpStatusCode.NoContent : HttpStatusCode.NotFound);
        }
        return FakeHttp.Status(HttpStatusCode.MethodNotAllowed);
    }

    private HttpResponseMessage Container(RecordedRequest r, string container, string query)
    {
        if (r.Method == HttpMethod.Put)
        {
            if (RefuseContainers) return FakeHttp.Status(HttpStatusCode.Forbidden, "not allowed");
            var created = _containers.TryAdd(container, true);
            return FakeHttp.Status(created ? HttpStatusCode.Created : HttpStatusCode.Accepted);
        }
        if (r.Method == HttpMethod.Head)
        {
            var n = Interlocked.Increment(ref _probes);
            var down = Down;
            OnProbe?.Invoke(n);
            if (down) return FakeHttp.Status(HttpStatusCode.ServiceUnavailable);
            return FakeHttp.Status(_containers.ContainsKey(container) ? HttpStatusCode.NoContent : HttpStatusCode.NotFound);
        }
        if (!_containers.ContainsKey(container)) return FakeHttp.Status(HttpStatusCode.NotFound);
        if (Interlocked.Decrement(ref FailListings) >= 0) return FakeHttp.Status(HttpStatusCode.ServiceUnavailable);
        var q = System.Web.HttpUtility.ParseQueryString(query);
        var prefix = q["prefix"] ?? "";
        var marker = q["marker"];
        var limit = int.TryParse(q["limit"], out var l) ? l : 10_000;
        var page = Names(container).Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && (marker is null || string.CompareOrdinal(n, marker) > 0)).Take(limit)
            .Select(n =>
            {
                var o = _objects[container + "/" + n];
                return o.Manifest
                    ? (object)new { name = n, hash = o.ETag, bytes = SloLength(o.Body), content_type = o.ContentType, last_modified = "2026-01-01T00:00:00.000000", slo_etag = "\"" + SloETag(o.Body) + "\"" }
                    : new { name = n, hash = o.ETag, bytes = (long)o.Body.Length, content_type = o.ContentType, last_modified = "2026-01-01T00:00:00.000000" };
            });
        return FakeHttp.Json(HttpStatusCode.OK, JsonSerializer.Serialize(page));
    }

    private static IEnumerable<string> Segments(byte[] manifest)
    {
        using var doc = JsonDocument.Parse(manifest);
        return doc.RootElement.EnumerateArray().Select(s => s.GetProperty("path").GetString()!.TrimStart('/')).ToList();
    }

    private static long SloLength(byte[] manifest)
    {
        using var doc = JsonDocument.Parse(manifest);
        return doc.RootElement.EnumerateArray().Sum(s => s.GetProperty("size_bytes").GetInt64());
    }

    private static string SloETag(byte[] manifest)
    {
        using var doc = JsonDocument.Parse(manifest);
        var etags = string.Concat(doc.RootElement.EnumerateArray().Select(s => s.GetProperty("etag").GetString()));
        return Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(etags)));
    }
}
