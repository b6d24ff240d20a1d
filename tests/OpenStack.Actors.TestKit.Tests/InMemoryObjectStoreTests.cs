using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Xunit;

namespace OpenStack.Actors.TestKit.Tests;

/// <summary>The in-memory Swift's semantics over plain HTTP: status codes, headers and bodies as the real Swift answers them
/// (the facts come from the dev cloud's Swift 2.30 and Swift's middleware source).</summary>
public sealed class InMemoryObjectStoreTests : IDisposable
{
    private const string Root = "http://swift.test:8080";
    private const string Account = Root + "/v1/AUTH_t";
    private readonly InMemoryObjectStore _store;
    private readonly HttpClient _http;

    public InMemoryObjectStoreTests() : this(new InMemoryObjectStoreOptions())
    {
    }

    private InMemoryObjectStoreTests(InMemoryObjectStoreOptions options)
    {
        _store = new InMemoryObjectStore(options);
        _http = new HttpClient(_store.CreateHandler());
    }

    public void Dispose() => _http.Dispose();

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? body = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, Account + path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8);
        if (body is not null) request.Content!.Headers.ContentType = null;
        foreach (var (n, v) in headers)
            if (!request.Headers.TryAddWithoutValidation(n, v)) request.Content?.Headers.TryAddWithoutValidation(n, v);
        return await _http.SendAsync(request);
    }

    private Task<HttpResponseMessage> Put(string path, string body = "", params (string, string)[] headers) => Send(HttpMethod.Put, path, body, headers);

    private static string? Header(HttpResponseMessage r, string name) =>
        r.Headers.TryGetValues(name, out var v) || r.Content.Headers.TryGetValues(name, out v) ? string.Join(", ", v) : null;

    private async Task Containers(params string[] names)
    {
        foreach (var n in names) Assert.Equal(HttpStatusCode.Created, (await Send(HttpMethod.Put, "/" + n)).StatusCode);
    }

    private static async Task AssertAnswer(HttpResponseMessage response, HttpStatusCode status, string body)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> Text(HttpMethod method, string path, params (string, string)[] headers) =>
        await (await Send(method, path, null, headers)).Content.ReadAsStringAsync();

    [Fact]
    public async Task Containers_answer_201_then_202_204_on_HEAD_404_when_missing_and_409_when_not_empty()
    {
        Assert.Equal(HttpStatusCode.Created, (await Send(HttpMethod.Put, "/c")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await Send(HttpMethod.Put, "/c")).StatusCode);
        var head = await Send(HttpMethod.Head, "/c");
        Assert.Equal(HttpStatusCode.NoContent, head.StatusCode);
        Assert.Equal("0", Header(head, "X-Container-Object-Count"));
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Head, "/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Put("/nope/o", "x")).StatusCode);

        await Put("/c/o", "hello");
        Assert.Equal(HttpStatusCode.Conflict, (await Send(HttpMethod.Delete, "/c")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, "/c/o")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Delete, "/c/o")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, "/c")).StatusCode);
        Assert.Empty(_store.ContainerNames("AUTH_t"));

        await AssertAnswer(await Send(HttpMethod.Put, "/" + new string('x', 300)), HttpStatusCode.BadRequest, "Container name length of 300 longer than 256");
    }

    [Fact]
    public async Task An_object_keeps_its_md5_metadata_and_timestamps_and_POST_replaces_the_metadata()
    {
        await Send(HttpMethod.Put, "/c");
        var put = await Put("/c/a b/ü.txt", "hello", ("X-Object-Meta-Color", "blue"), ("Content-Type", "text/x-test"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(Md5("hello"), Header(put, "Etag"));

        var get = await Send(HttpMethod.Get, "/c/a%20b/%C3%BC.txt");
        Assert.Equal("hello", await get.Content.ReadAsStringAsync());
        Assert.Equal("blue", Header(get, "X-Object-Meta-Color"));
        Assert.Equal("text/x-test", Header(get, "Content-Type"));
        Assert.Matches(@"^\d{10}\.\d{5}$", Header(get, "X-Timestamp"));
        Assert.NotNull(get.Content.Headers.LastModified);

        Assert.Equal(HttpStatusCode.Accepted, (await Send(HttpMethod.Post, "/c/a b/ü.txt", null, ("X-Object-Meta-Size", "big"))).StatusCode);
        var head = await Send(HttpMethod.Head, "/c/a b/ü.txt");
        Assert.Null(Header(head, "X-Object-Meta-Color"));
        Assert.Equal("big", Header(head, "X-Object-Meta-Size"));
        Assert.Equal(5, head.Content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Post, "/c/missing", null, ("X-Object-Meta-A", "b"))).StatusCode);
    }

    [Fact]
    public async Task A_PUT_is_refused_with_422_on_a_wrong_ETag_412_on_If_None_Match_and_411_without_a_length()
    {
        await Send(HttpMethod.Put, "/c");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Put("/c/o", "hello", ("ETag", new string('0', 32)))).StatusCode);
        Assert.Empty(_store.ObjectNames("AUTH_t", "c"));
        Assert.Equal(HttpStatusCode.Created, (await Put("/c/o", "hello", ("ETag", "\"" + Md5("hello") + "\""))).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Put("/c/o", "again", ("If-None-Match", "*"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Put("/c/new", "x", ("If-None-Match", "*"))).StatusCode);

        var unknownLength = new HttpRequestMessage(HttpMethod.Put, Account + "/c/stream") { Content = new StreamContent(new MemoryStream("abc"u8.ToArray(), false)) };
        unknownLength.Content.Headers.ContentLength = null;
        unknownLength.Headers.TransferEncodingChunked = false;
        await AssertAnswer(await _http.SendAsync(unknownLength), HttpStatusCode.LengthRequired, "Missing Content-Length header.");
    }

    [Fact]
    public async Task Ranges_answer_206_with_Content_Range_and_416_outside_the_object_and_conditions_304_and_412()
    {
        await Send(HttpMethod.Put, "/c");
        await Put("/c/o", "hello");
        var part = await Send(HttpMethod.Get, "/c/o", null, ("Range", "bytes=1-2"));
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal("el", await part.Content.ReadAsStringAsync());
        Assert.Equal("bytes 1-2/5", Header(part, "Content-Range"));
        Assert.Equal("lo", await (await Send(HttpMethod.Get, "/c/o", null, ("Range", "bytes=-2"))).Content.ReadAsStringAsync());
        Assert.Equal("llo", await (await Send(HttpMethod.Get, "/c/o", null, ("Range", "bytes=2-"))).Content.ReadAsStringAsync());
        var outside = await Send(HttpMethod.Get, "/c/o", null, ("Range", "bytes=10-20"));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, outside.StatusCode);
        Assert.Equal("bytes */5", Header(outside, "Content-Range"));
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/c/o", null, ("Range", "bytes=4-1"))).StatusCode);   // invalid: ignored

        Assert.Equal(HttpStatusCode.NotModified, (await Send(HttpMethod.Get, "/c/o", null, ("If-None-Match", $"\"{Md5("hello")}\""))).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Send(HttpMethod.Get, "/c/o", null, ("If-Match", "\"other\""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/c/o", null, ("If-Match", Md5("hello")))).StatusCode);
    }

    [Fact]
    public async Task A_page_starts_at_the_later_of_marker_and_prefix_and_listings_and_counts_follow_every_change()
    {
        await Send(HttpMethod.Put, "/c");
        foreach (var n in new[] { "a/1", "a/2", "b", "c/x/1", "c/y", "d" }) await Put("/c/" + n, n);

        Assert.Equal("c/x/1\nc/y\n", await Text(HttpMethod.Get, "/c?prefix=c/&marker=a/1"));
        Assert.Equal("a/2\n", await Text(HttpMethod.Get, "/c?prefix=a/&marker=a/1"));
        Assert.Equal("c/y\n", await Text(HttpMethod.Get, "/c?prefix=c/&marker=c/x/1"));
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Get, "/c?prefix=a/&marker=b")).StatusCode);
        Assert.Equal("b\n", await Text(HttpMethod.Get, "/c?prefix=b"));

        await Put("/c/a/15", "fifteen");
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, "/c/a/2")).StatusCode);
        Assert.Equal("a/1\na/15\n", await Text(HttpMethod.Get, "/c?prefix=a/"));
        var head = await Send(HttpMethod.Head, "/c");
        Assert.Equal("6", Header(head, "X-Container-Object-Count"));
        Assert.Equal((3 + 7 + 1 + 5 + 3 + 1).ToString(), Header(head, "X-Container-Bytes-Used"));
    }

    [Fact]
    public async Task Listings_page_with_marker_end_marker_prefix_delimiter_and_reverse_in_json_and_text()
    {
        await Send(HttpMethod.Put, "/c");
        string[] names = ["a/1", "a/2", "b", "c/x/1", "c/y", "d"];
        foreach (var n in names) await Put("/c/" + n, n);

        Assert.Equal("a/1\na/2\nb\nc/x/1\nc/y\nd\n", await Text(HttpMethod.Get, "/c"));
        Assert.Equal("a/\nb\nc/\nd\n", await Text(HttpMethod.Get, "/c?delimiter=/"));
        // A page that ends in a subdir continues after it: the marker's own subdir is not listed again.
        Assert.Equal("c/\nd\n", await Text(HttpMethod.Get, "/c?delimiter=/&marker=b"));
        Assert.Equal("d\n", await Text(HttpMethod.Get, "/c?delimiter=/&marker=c/"));
        Assert.Equal("c/x/\nc/y\n", await Text(HttpMethod.Get, "/c?delimiter=/&prefix=c/"));
        Assert.Equal("a/2\nb\n", await Text(HttpMethod.Get, "/c?marker=a/1&end_marker=c"));
        Assert.Equal("d\nc/y\n", await Text(HttpMethod.Get, "/c?reverse=on&limit=2"));
        Assert.Equal("a/1\n", await Text(HttpMethod.Get, "/c?limit=1"));
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Get, "/c?prefix=zzz")).StatusCode);
        Assert.Equal("[]", await Text(HttpMethod.Get, "/c?prefix=zzz&format=json"));
        await AssertAnswer(await Send(HttpMethod.Get, "/c?limit=10001"), HttpStatusCode.PreconditionFailed, "Maximum limit is 10000");

        using var json = JsonDocument.Parse(await Text(HttpMethod.Get, "/c?format=json&prefix=a/&limit=1"));
        var entry = Assert.Single(json.RootElement.EnumerateArray().ToList());
        Assert.Equal("a/1", entry.GetProperty("name").GetString());
        Assert.Equal(3, entry.GetProperty("bytes").GetInt64());
        Assert.Equal(Md5("a/1"), entry.GetProperty("hash").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$", entry.GetProperty("last_modified").GetString());
        Assert.Equal("application/octet-stream", entry.GetProperty("content_type").GetString());
        using var dirs = JsonDocument.Parse(await Text(HttpMethod.Get, "/c?format=json&delimiter=/&limit=1"));
        Assert.Equal("a/", dirs.RootElement[0].GetProperty("subdir").GetString());

        var head = await Send(HttpMethod.Head, "/c");
        Assert.Equal("6", Header(head, "X-Container-Object-Count"));
        Assert.Equal(names.Sum(n => n.Length).ToString(), Header(head, "X-Container-Bytes-Used"));
        var account = await Send(HttpMethod.Head, "");
        Assert.Equal("1", Header(account, "X-Account-Container-Count"));
        Assert.Equal("6", Header(account, "X-Account-Object-Count"));
        using var containers = JsonDocument.Parse(await Text(HttpMethod.Get, "?format=json"));
        Assert.Equal(6, containers.RootElement[0].GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task A_page_cap_returns_fewer_entries_than_the_limit_as_Ceph_RGW_does()
    {
        using var capped = new InMemoryObjectStoreTests(new InMemoryObjectStoreOptions { PageCap = 2 });
        await capped.Send(HttpMethod.Put, "/c");
        foreach (var n in new[] { "a", "b", "c" }) await capped.Put("/c/" + n, n);
        Assert.Equal("a\nb\n", await capped.Text(HttpMethod.Get, "/c?limit=100"));
        Assert.Equal("c\n", await capped.Text(HttpMethod.Get, "/c?limit=100&marker=b"));
    }

    [Fact]
    public async Task A_static_large_object_is_validated_concatenated_and_deleted_with_its_segments()
    {
        await Containers("c", "c_segments");
        await Put("/c_segments/s1", "aaa");
        await Put("/c_segments/s2", "bb");
        var manifest = $$"""[{"path": "/c_segments/s1", "etag": "{{Md5("aaa")}}", "size_bytes": 3}, {"path": "/c_segments/s2", "etag": null, "size_bytes": null}]""";
        var sloETag = Md5(Md5("aaa") + Md5("bb"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Put("/c/big?multipart-manifest=put", manifest, ("ETag", Md5("x")))).StatusCode);
        var put = await Put("/c/big?multipart-manifest=put", manifest, ("ETag", sloETag));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal($"\"{sloETag}\"", Header(put, "Etag"));

        var get = await Send(HttpMethod.Get, "/c/big");
        Assert.Equal("aaabb", await get.Content.ReadAsStringAsync());
        Assert.Equal("True", Header(get, "X-Static-Large-Object"));
        Assert.Equal($"\"{sloETag}\"", Header(get, "Etag"));
        Assert.Equal("ab", await (await Send(HttpMethod.Get, "/c/big", null, ("Range", "bytes=2-3"))).Content.ReadAsStringAsync());
        using (var stored = JsonDocument.Parse(await Text(HttpMethod.Get, "/c/big?multipart-manifest=get")))
            Assert.Equal(["/c_segments/s1", "/c_segments/s2"], stored.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        using (var listing = JsonDocument.Parse(await Text(HttpMethod.Get, "/c?format=json")))
        {
            Assert.Equal(5, listing.RootElement[0].GetProperty("bytes").GetInt64());
            Assert.Equal($"\"{sloETag}\"", listing.RootElement[0].GetProperty("slo_etag").GetString());
        }

        using var deleted = JsonDocument.Parse(await Text(HttpMethod.Delete, "/c/big?multipart-manifest=delete", ("Accept", "application/json")));
        Assert.Equal(3, deleted.RootElement.GetProperty("Number Deleted").GetInt32());
        Assert.Equal("200 OK", deleted.RootElement.GetProperty("Response Status").GetString());
        Assert.Empty(_store.ObjectNames("AUTH_t", "c_segments"));
        Assert.Empty(_store.ObjectNames("AUTH_t", "c"));
    }

    [Fact]
    public async Task A_manifest_with_bad_entries_is_refused_with_the_slo_middlewares_error_lists()
    {
        await Send(HttpMethod.Put, "/c");
        await Put("/c/s1", "aaa");
        await Put("/c/empty", "");
        var parse = await Put("/c/m?multipart-manifest=put", """[{"path": "/c/s1", "foo": 1}, {"path": "nocontainer"}, {"path": "/c/s1", "size_bytes": "x"}]""");
        Assert.Equal(HttpStatusCode.BadRequest, parse.StatusCode);
        Assert.Equal("Index 0: extraneous keys \"foo\"\nIndex 1: path does not refer to an object. Path must be of the form /container/object.\nIndex 2: invalid size_bytes\n",
            await parse.Content.ReadAsStringAsync());
        Assert.Equal("Manifest must be valid JSON.\n", await (await Put("/c/m?multipart-manifest=put", "nope")).Content.ReadAsStringAsync());
        Assert.Equal("Manifest must be a list.\n", await (await Put("/c/m?multipart-manifest=put", "{}")).Content.ReadAsStringAsync());

        var checks = await Put("/c/m?multipart-manifest=put", """[{"path": "/c/s1", "etag": "0000", "size_bytes": 4}, {"path": "/c/gone"}, {"path": "/c/empty"}, {"path": "/c/s1"}]""");
        Assert.Equal(HttpStatusCode.BadRequest, checks.StatusCode);
        Assert.Equal("Errors:\n/c/s1, Size Mismatch\n/c/s1, Etag Mismatch\n/c/gone, 404 Not Found\n/c/empty, Too small; each segment must be at least 1 byte.\n",
            await checks.Content.ReadAsStringAsync());
        var json = await Put("/c/m?multipart-manifest=put", """[{"path": "/c/gone"}]""", ("Accept", "application/json"));
        Assert.Equal("""{"Errors":[["/c/gone","404 Not Found"]]}""", await json.Content.ReadAsStringAsync());
        // The last segment may be empty.
        Assert.Equal(HttpStatusCode.Created, (await Put("/c/m?multipart-manifest=put", """[{"path": "/c/s1"}, {"path": "/c/empty"}]""")).StatusCode);

        var many = "[" + string.Join(",", Enumerable.Repeat("""{"path": "/c/s1"}""", 1001)) + "]";
        await AssertAnswer(await Put("/c/m?multipart-manifest=put", many), HttpStatusCode.RequestEntityTooLarge, "Number of object-backed segments must be <= 1000");
    }

    [Fact]
    public async Task A_dynamic_large_object_concatenates_its_prefix_in_name_order()
    {
        await Send(HttpMethod.Put, "/c");
        await Put("/c/seg/2", "world");
        await Put("/c/seg/1", "hello ");
        await Put("/c/dlo", "", ("X-Object-Manifest", "c/seg/"));
        var get = await Send(HttpMethod.Get, "/c/dlo");
        Assert.Equal("hello world", await get.Content.ReadAsStringAsync());
        Assert.Equal($"\"{Md5(Md5("hello ") + Md5("world"))}\"", Header(get, "Etag"));
        Assert.Equal("c/seg/", Header(get, "X-Object-Manifest"));
        using var listing = JsonDocument.Parse(await Text(HttpMethod.Get, "/c?format=json&prefix=dlo"));
        Assert.Equal(0, listing.RootElement[0].GetProperty("bytes").GetInt64());   // the manifest itself is listed
    }

    [Fact]
    public async Task A_bulk_delete_counts_deleted_and_not_found_and_reports_a_non_empty_container()
    {
        await Containers("c", "empty");
        await Put("/c/a b", "1");
        await Put("/c/x", "2");
        var answer = await Send(HttpMethod.Post, "?bulk-delete", "/c/a%20b\nc/missing\nc\nempty\n", ("Accept", "application/json"), ("Content-Type", "text/plain"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        using var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.Equal(2, json.RootElement.GetProperty("Number Deleted").GetInt32());
        Assert.Equal(1, json.RootElement.GetProperty("Number Not Found").GetInt32());
        Assert.Equal("400 Bad Request", json.RootElement.GetProperty("Response Status").GetString());
        Assert.Equal("c", json.RootElement.GetProperty("Errors")[0][0].GetString());
        Assert.Equal("409 Conflict", json.RootElement.GetProperty("Errors")[0][1].GetString());
        Assert.Equal(["x"], _store.ObjectNames("AUTH_t", "c"));
        Assert.Equal(["c"], _store.ContainerNames("AUTH_t"));

        var text = await Text(HttpMethod.Post, "?bulk-delete", ("Content-Type", "text/plain"));
        Assert.Contains("Number Deleted: 0\n", text);
        Assert.Contains("Response Status: 200 OK\n", text);
    }

    [Fact]
    public async Task Copies_take_the_content_and_metadata_and_a_copy_of_a_large_object_takes_its_content()
    {
        await Send(HttpMethod.Put, "/c");
        await Put("/c/src", "hello", ("X-Object-Meta-A", "1"));
        var copy = await Send(HttpMethod.Put, "/c/dst", "", ("X-Copy-From", "c/src"), ("X-Object-Meta-B", "2"));
        Assert.Equal(HttpStatusCode.Created, copy.StatusCode);
        Assert.Equal("c/src", Header(copy, "X-Copied-From"));
        var head = await Send(HttpMethod.Head, "/c/dst");
        Assert.Equal("1", Header(head, "X-Object-Meta-A"));
        Assert.Equal("2", Header(head, "X-Object-Meta-B"));
        Assert.Equal(HttpStatusCode.Created, (await Send(new HttpMethod("COPY"), "/c/src", null, ("Destination", "c/dst2"))).StatusCode);
        Assert.Equal("hello", Encoding.UTF8.GetString(_store.ReadObject("AUTH_t", "c", "dst2")!));
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Put, "/c/x", "", ("X-Copy-From", "c/none"))).StatusCode);

        await Put("/c/seg/1", "ab");
        await Put("/c/dlo", "", ("X-Object-Manifest", "c/seg/"));
        await Send(HttpMethod.Put, "/c/flat", "", ("X-Copy-From", "c/dlo"));
        var flat = await Send(HttpMethod.Get, "/c/flat");
        Assert.Equal("ab", await flat.Content.ReadAsStringAsync());
        Assert.Null(Header(flat, "X-Object-Manifest"));
    }

    [Fact]
    public async Task Info_publishes_the_limits_without_a_token()
    {
        var info = await _http.GetStringAsync(Root + "/info");
        using var doc = JsonDocument.Parse(info);
        Assert.Equal(1000, doc.RootElement.GetProperty("slo").GetProperty("max_manifest_segments").GetInt32());
        Assert.Equal(10000, doc.RootElement.GetProperty("bulk_delete").GetProperty("max_deletes_per_request").GetInt32());
        Assert.Equal(10000, doc.RootElement.GetProperty("swift").GetProperty("container_listing_limit").GetInt32());
    }
}
