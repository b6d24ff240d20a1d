using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Http;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using Xunit;
using static OpenStack.Actors.Tests.Integration.ObjectStoreTestSupport;

namespace OpenStack.Actors.Tests.Integration;

/// <summary>Swift's answers on the wire (status codes, headers, the bodies clients read) against the real Swift.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SwiftWireIntegrationTests() : SwiftWireSuite(new DevCloudSwift());

/// <summary>The same answers from the TestKit's in-memory Swift.</summary>
public sealed class SwiftWireInMemoryTests() : SwiftWireSuite(new InMemorySwift());

/// <summary>
/// Raw requests through the real session, one attempt each, errors returned rather than thrown: the facts the in-memory
/// Swift's own unit tests assert, checked here against whichever Swift runs the suite.
/// </summary>
public abstract class SwiftWireSuite(ISwiftUnderTest swift) : TestKit
{
    private static readonly RequestOptions Raw = new() { RaiseOnError = false, MaxAttempts = 1 };

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    private sealed class Wire(ObjectStoreClient client, string container)
    {
        public Task<OpenStackResponse> Send(HttpMethod method, string path, string? body = null, params (string Name, string Value)[] headers)
        {
            var h = headers.ToDictionary(x => x.Name, x => x.Value, StringComparer.OrdinalIgnoreCase);
            var url = "/" + Uri.EscapeDataString(container) + path;
            var content = body is null ? null : RequestBody.FromBytes(Encoding.UTF8.GetBytes(body), h.Remove("Content-Type", out var t) ? t : null);
            return client.Session.SendAsync(new OpenStackRequest(method, url)
            {
                Body = content, Service = client.Service, Options = Raw, Headers = h,
            });
        }

        public async Task<string> Text(string path) => (await Send(HttpMethod.Get, path)).Text();
    }

    private async Task Run(string what, Func<Wire, string, Task> test)
    {
        var client = swift.Client(Sys);
        var container = NewContainer(what);
        try
        {
            Assert.Equal(HttpStatusCode.Created, (await client.Session.PutAsync("/" + container, null, client.Service, options: Raw)).Status);
            await test(new Wire(client, container), container);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public Task Status_codes_of_containers_objects_conditions_and_ranges() => Run("status", async (w, c) =>
    {
        Assert.Equal(HttpStatusCode.Accepted, (await w.Send(HttpMethod.Put, "")).Status);
        var head = await w.Send(HttpMethod.Head, "");
        Assert.Equal(HttpStatusCode.NoContent, head.Status);
        Assert.Equal("0", head.Header("X-Container-Object-Count"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await w.Send(HttpMethod.Put, "/o", "hello", ("ETag", Md5("other")))).Status);
        var put = await w.Send(HttpMethod.Put, "/o", "hello", ("X-Object-Meta-Color", "blue"));
        Assert.Equal(HttpStatusCode.Created, put.Status);
        Assert.Equal(Md5("hello"), put.Header("Etag"));
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await w.Send(HttpMethod.Put, "/o", "again", ("If-None-Match", "*"))).Status);

        var part = await w.Send(HttpMethod.Get, "/o", null, ("Range", "bytes=1-2"));
        Assert.Equal(HttpStatusCode.PartialContent, part.Status);
        Assert.Equal("el", part.Text());
        Assert.Equal("bytes 1-2/5", part.Header("Content-Range"));
        Assert.Equal("lo", (await w.Send(HttpMethod.Get, "/o", null, ("Range", "bytes=-2"))).Text());
        var outside = await w.Send(HttpMethod.Get, "/o", null, ("Range", "bytes=10-20"));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, outside.Status);
        Assert.Equal("bytes */5", outside.Header("Content-Range"));
        Assert.Equal(HttpStatusCode.NotModified, (await w.Send(HttpMethod.Get, "/o", null, ("If-None-Match", $"\"{Md5("hello")}\""))).Status);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await w.Send(HttpMethod.Get, "/o", null, ("If-Match", "\"other\""))).Status);

        await w.Send(HttpMethod.Put, "/empty", "");
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, (await w.Send(HttpMethod.Get, "/empty", null, ("Range", "bytes=0-"))).Status);
        var headOfRange = await w.Send(HttpMethod.Head, "/o", null, ("Range", "bytes=1-2"));
        Assert.Equal(HttpStatusCode.OK, headOfRange.Status);   // a HEAD ignores the range
        Assert.Equal("5", headOfRange.Header("Content-Length"));
        var reserved = await w.Send(HttpMethod.Put, "/slo", "x", ("X-Static-Large-Object", "True"));
        Assert.Equal(HttpStatusCode.BadRequest, reserved.Status);
        Assert.StartsWith("X-Static-Large-Object is a reserved header.", reserved.Text());
        Assert.Equal(HttpStatusCode.BadRequest, (await w.Send(HttpMethod.Post, "/o", null, ("X-Static-Large-Object", "True"))).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await w.Send(HttpMethod.Post, "/o", null, ("X-Object-Meta-Size", "big"))).Status);
        var after = await w.Send(HttpMethod.Head, "/o");
        Assert.Equal("big", after.Header("X-Object-Meta-Size"));
        Assert.Null(after.Header("X-Object-Meta-Color"));
        Assert.Equal(HttpStatusCode.Conflict, (await w.Send(HttpMethod.Delete, "")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await w.Send(HttpMethod.Delete, "/empty")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await w.Send(HttpMethod.Delete, "/o")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await w.Send(HttpMethod.Delete, "/o")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await w.Send(HttpMethod.Post, "/o", null, ("X-Object-Meta-A", "b"))).Status);
    });

    [Fact]
    public Task Listings_with_delimiter_markers_reverse_and_limits() => Run("listing", async (w, c) =>
    {
        foreach (var n in new[] { "a/1", "a/2", "b", "c/x/1", "c/y", "d" }) await w.Send(HttpMethod.Put, "/" + n, n);

        Assert.Equal("a/\nb\nc/\nd\n", await w.Text("?delimiter=/"));
        Assert.Equal("c/\nd\n", await w.Text("?delimiter=/&marker=b"));
        Assert.Equal("d\n", await w.Text("?delimiter=/&marker=c/"));
        Assert.Equal("c/x/\nc/y\n", await w.Text("?delimiter=/&prefix=c/"));
        Assert.Equal("a/2\nb\n", await w.Text("?marker=a/1&end_marker=c"));
        Assert.Equal("d\nc/y\n", await w.Text("?reverse=on&limit=2"));
        Assert.Equal(HttpStatusCode.NoContent, (await w.Send(HttpMethod.Get, "?prefix=zzz")).Status);
        Assert.Equal("[]", await w.Text("?prefix=zzz&format=json"));
        var tooMany = await w.Send(HttpMethod.Get, "?limit=10001");
        Assert.Equal(HttpStatusCode.PreconditionFailed, tooMany.Status);
        Assert.Equal("Maximum limit is 10000", tooMany.Text());

        using var json = JsonDocument.Parse(await w.Text("?format=json&prefix=a/&limit=1"));
        var entry = json.RootElement[0];
        Assert.Equal(["bytes", "content_type", "hash", "last_modified", "name"], entry.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(Md5("a/1"), entry.GetProperty("hash").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$", entry.GetProperty("last_modified").GetString());
        Assert.Equal("6", (await w.Send(HttpMethod.Head, "")).Header("X-Container-Object-Count"));
    });

    [Fact]
    public Task Static_large_object_manifests_are_checked_as_the_slo_middleware_does() => Run("slo", async (w, c) =>
    {
        await w.Send(HttpMethod.Put, "/s1", "aaa");
        await w.Send(HttpMethod.Put, "/empty", "");
        var parse = await w.Send(HttpMethod.Put, "/m?multipart-manifest=put", $$"""[{"path": "/{{c}}/s1", "foo": 1}, {"path": "nocontainer"}, {"path": "/{{c}}/s1", "size_bytes": "x"}]""");
        Assert.Equal(HttpStatusCode.BadRequest, parse.Status);
        Assert.Equal("Index 0: extraneous keys \"foo\"\nIndex 1: path does not refer to an object. Path must be of the form /container/object.\nIndex 2: invalid size_bytes\n", parse.Text());
        Assert.Equal("Manifest must be valid JSON.\n", (await w.Send(HttpMethod.Put, "/m?multipart-manifest=put", "nope")).Text());

        var checks = await w.Send(HttpMethod.Put, "/m?multipart-manifest=put",
            $$"""[{"path": "/{{c}}/s1", "etag": "0000", "size_bytes": 4}, {"path": "/{{c}}/gone"}, {"path": "/{{c}}/empty"}, {"path": "/{{c}}/s1"}]""");
        Assert.Equal(HttpStatusCode.BadRequest, checks.Status);
        // The slo middleware HEADs the segments concurrently and lists the problems as the answers come in: the lines are
        // Swift's, their order is not.
        var problems = checks.Text();
        Assert.StartsWith("Errors:\n", problems);
        Assert.EndsWith("\n", problems);
        Assert.Equal(
            new[] { $"/{c}/s1, Size Mismatch", $"/{c}/s1, Etag Mismatch", $"/{c}/gone, 404 Not Found", $"/{c}/empty, Too small; each segment must be at least 1 byte." }.Order(StringComparer.Ordinal),
            problems["Errors:\n".Length..^1].Split('\n').Order(StringComparer.Ordinal));
        var json = await w.Send(HttpMethod.Put, "/m?multipart-manifest=put", $$"""[{"path": "/{{c}}/gone"}]""", ("Accept", "application/json"));
        using (var errors = JsonDocument.Parse(json.Body))
            Assert.Equal([$"/{c}/gone", "404 Not Found"], errors.RootElement.GetProperty("Errors")[0].EnumerateArray().Select(e => e.GetString()));

        var put = await w.Send(HttpMethod.Put, "/m?multipart-manifest=put", $$"""[{"path": "/{{c}}/s1"}, {"path": "/{{c}}/empty"}]""");
        Assert.Equal(HttpStatusCode.Created, put.Status);   // the last segment may be empty
        Assert.Equal($"\"{Md5(Md5("aaa") + Md5(""))}\"", put.Header("Etag"));
        var get = await w.Send(HttpMethod.Get, "/m");
        Assert.Equal("aaa", get.Text());
        Assert.Equal("True", get.Header("X-Static-Large-Object"));
        var notSlo = await w.Send(HttpMethod.Delete, "/s1?multipart-manifest=delete", null, ("Accept", "application/json"));
        using (var answer = JsonDocument.Parse(notSlo.Body))
        {
            Assert.Equal("400 Bad Request", answer.RootElement.GetProperty("Response Status").GetString());
            Assert.Equal("Not an SLO manifest", answer.RootElement.GetProperty("Errors")[0][1].GetString());
        }
        var many = "[" + string.Join(",", Enumerable.Repeat($$"""{"path": "/{{c}}/s1"}""", 1001)) + "]";
        var tooMany = await w.Send(HttpMethod.Put, "/m2?multipart-manifest=put", many);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooMany.Status);
        Assert.Equal("Number of object-backed segments must be <= 1000", tooMany.Text());
    });

    [Fact]
    public Task Copies_and_dynamic_large_objects() => Run("copy", async (w, c) =>
    {
        await w.Send(HttpMethod.Put, "/src", "hello", ("X-Object-Meta-A", "1"));
        var copy = await w.Send(HttpMethod.Put, "/dst", "", ("X-Copy-From", $"{c}/src"), ("X-Object-Meta-B", "2"));
        Assert.Equal(HttpStatusCode.Created, copy.Status);
        Assert.Equal($"{c}/src", copy.Header("X-Copied-From"));
        var head = await w.Send(HttpMethod.Head, "/dst");
        Assert.Equal("1", head.Header("X-Object-Meta-A"));
        Assert.Equal("2", head.Header("X-Object-Meta-B"));
        Assert.Equal(HttpStatusCode.Created, (await w.Send(new HttpMethod("COPY"), "/src", null, ("Destination", $"{c}/dst2"))).Status);
        Assert.Equal("hello", await w.Text("/dst2"));
        Assert.Equal(HttpStatusCode.NotFound, (await w.Send(HttpMethod.Put, "/x", "", ("X-Copy-From", $"{c}/none"))).Status);

        await w.Send(HttpMethod.Put, "/seg/2", "world");
        await w.Send(HttpMethod.Put, "/seg/1", "hello ");
        await w.Send(HttpMethod.Put, "/dlo", "", ("X-Object-Manifest", $"{c}/seg/"));
        var dlo = await w.Send(HttpMethod.Get, "/dlo");
        Assert.Equal("hello world", dlo.Text());
        Assert.Equal($"\"{Md5(Md5("hello ") + Md5("world"))}\"", dlo.Header("Etag"));
        await w.Send(HttpMethod.Put, "/flat", "", ("X-Copy-From", $"{c}/dlo"));
        var flat = await w.Send(HttpMethod.Get, "/flat");
        Assert.Equal("hello world", flat.Text());
        Assert.Null(flat.Header("X-Object-Manifest"));

        // A POST replaces the kept headers too: the manifest not sent again is gone, and the object is plain and empty.
        await w.Send(HttpMethod.Post, "/dlo", null, ("X-Object-Meta-A", "b"));
        var plain = await w.Send(HttpMethod.Get, "/dlo");
        Assert.Null(plain.Header("X-Object-Manifest"));
        Assert.Equal("", plain.Text());
    });
}
