using System.Net;
using System.Security.Cryptography;
using System.Text;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Config;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Support;
using Xunit;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.ObjectStore;

/// <summary>The client's requests and its checks of Swift's answers, against a scripted server.</summary>
public sealed class ObjectStoreClientTests : TestKit
{
    private const string Endpoint = "http://swift.test:8080/v1/AUTH_p";

    private static readonly SessionSettings Fast = SessionSettings.Default with { MaxAttempts = 1 };

    private ObjectStoreClient NewClient(FakeHttp http) =>
        new(new OpenStackSession(Sys.ActorOf(SessionActor.Props(new StaticAuthenticator("tok", new Uri(Endpoint)), Fast, http)), Fast));

    private static string Md5(byte[] data) => Convert.ToHexStringLower(MD5.HashData(data));

    private static HttpResponseMessage Created(string? etag)
    {
        var r = new HttpResponseMessage(HttpStatusCode.Created) { Content = new ByteArrayContent([]) };
        if (etag is not null) r.Headers.TryAddWithoutValidation("Etag", etag);
        return r;
    }

    [Fact]
    public async Task A_put_sends_the_md5_as_etag_to_the_encoded_path()
    {
        var data = Encoding.UTF8.GetBytes("hello swift");
        var http = new FakeHttp(r => Created(Md5(data)));
        var client = NewClient(http);

        var result = await client.PutObjectAsync("my c", "dir/a b+&=?.txt", RequestBody.FromBytes(data));

        var sent = Assert.Single(http.Requests);
        Assert.Equal("/v1/AUTH_p/my%20c/dir/a%20b%2B%26%3D%3F.txt", sent.Url.AbsolutePath);
        Assert.Equal("", sent.Url.Query);
        Assert.Equal(Md5(data), sent.Headers["ETag"]);
        Assert.Equal(data, sent.Body);
        Assert.Equal(Md5(data), result.ETag);
    }

    [Fact]
    public async Task A_streamed_body_without_a_known_md5_is_hashed_while_sent_and_verified()
    {
        var data = RandomNumberGenerator.GetBytes(300_000);
        var http = new FakeHttp(r => Created(Md5(r.Body!)));
        var client = NewClient(http);

        var result = await client.PutObjectAsync("c", "o", RequestBody.FromStreamFactory(() => new MemoryStream(data), data.Length));

        Assert.Equal(Md5(data), result.ETag);
        Assert.False(Assert.Single(http.Requests).Headers.ContainsKey("ETag"));
        Assert.Equal(data.Length, result.Bytes);
    }

    [Fact]
    public async Task An_etag_that_differs_from_the_bytes_sent_is_an_error_never_accepted()
    {
        var data = RandomNumberGenerator.GetBytes(1000);
        var http = new FakeHttp(r => Created("0123456789abcdef0123456789abcdef"));
        var client = NewClient(http);

        var streamed = await Assert.ThrowsAsync<ChecksumMismatchException>(() =>
            client.PutObjectAsync("c", "o", RequestBody.FromStreamFactory(() => new MemoryStream(data), data.Length)));
        Assert.Equal(Md5(data), streamed.Expected);
        Assert.Equal("0123456789abcdef0123456789abcdef", streamed.Actual);

        await Assert.ThrowsAsync<ChecksumMismatchException>(() => client.PutObjectAsync("c", "o", RequestBody.FromBytes(data)));
        var missing = new FakeHttp(r => Created(null));
        await Assert.ThrowsAsync<ChecksumMismatchException>(() => NewClient(missing).PutObjectAsync("c", "o", RequestBody.FromBytes(data)));
    }

    [Fact]
    public async Task Swift_refusing_the_etag_with_422_is_a_checksum_mismatch()
    {
        var http = new FakeHttp(r => FakeHttp.Status(HttpStatusCode.UnprocessableEntity, "<html><h1>Unprocessable Entity</h1></html>"));
        var e = await Assert.ThrowsAsync<ChecksumMismatchException>(() =>
            NewClient(http).PutObjectAsync("c", "o", RequestBody.FromBytes("x"u8.ToArray()), md5: Checksums.EmptyMd5));
        Assert.IsType<HttpErrorException>(e.InnerException);
        Assert.Equal(Checksums.EmptyMd5, e.Expected);
    }

    [Fact]
    public async Task Listings_page_with_the_last_name_as_marker_until_an_empty_page()
    {
        var names = Enumerable.Range(0, 7).Select(i => $"dir/o {i}&").ToList();
        var http = new FakeHttp(r =>
        {
            var q = System.Web.HttpUtility.ParseQueryString(r.Url.Query);
            var limit = int.Parse(q["limit"]!);
            var page = names.Where(n => q["marker"] is null || string.CompareOrdinal(n, q["marker"]) > 0)
                .Where(n => n.StartsWith(q["prefix"] ?? "", StringComparison.Ordinal)).Take(limit);
            return FakeHttp.Json(HttpStatusCode.OK, System.Text.Json.JsonSerializer.Serialize(
                page.Select(n => new { name = n, hash = "h", bytes = 1, content_type = "x", last_modified = "2024-01-02T03:04:05.000000" })));
        });
        var client = NewClient(http);

        var listed = new List<ObjectEntry>();
        await foreach (var e in client.ListObjectsAsync("c", new ListOptions { PageSize = 3, Prefix = "dir/" })) listed.Add(e);

        Assert.Equal(names, listed.Select(e => e.Name));
        // 3 + 3 + 1 + 0: a short page is not the end (Ceph RGW caps pages below the limit asked for), an empty one is.
        Assert.Equal(4, http.Requests.Count);
        var last = http.Requests.Last();
        Assert.Contains("marker=dir%2Fo%206%26", last.Url.Query);
        Assert.Contains("prefix=dir%2F", last.Url.Query);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), listed[0].LastModified);
    }

    [Fact]
    public async Task A_short_first_page_that_holds_the_whole_container_ends_the_listing_without_another_request()
    {
        var http = new FakeHttp(_ =>
        {
            var r = FakeHttp.Json(HttpStatusCode.OK, """[{"name": "a", "hash": "h", "bytes": 1}, {"name": "b", "hash": "h", "bytes": 1}]""");
            r.Headers.TryAddWithoutValidation("X-Container-Object-Count", "2");
            return r;
        });
        var listed = new List<string>();
        await foreach (var e in NewClient(http).ListObjectsAsync("c")) listed.Add(e.Name);

        Assert.Equal(["a", "b"], listed);
        Assert.Single(http.Requests);
    }

    [Fact]
    public async Task A_delimited_listing_returns_pseudo_directories()
    {
        var http = new FakeHttp(r => FakeHttp.Json(HttpStatusCode.OK,
            """[{"subdir": "a/"}, {"name": "top", "hash": "h", "bytes": 3, "slo_etag": "\"abc\""}]"""));
        var page = await NewClient(http).ListObjectsPageAsync("c", new ListOptions { Delimiter = '/' });

        Assert.True(page.Entries[0].IsSubdir);
        Assert.Equal("a/", page.Entries[0].Subdir);
        Assert.Equal("abc", page.Entries[1].ETag);
        Assert.Equal("top", page.NextMarker);   // a filtered short page does not prove the end: the next, empty, page does
        Assert.Contains("delimiter=%2F", http.Requests.Single().Url.Query);
    }

    [Fact]
    public async Task Head_of_a_missing_object_is_null_and_metadata_is_parsed()
    {
        var http = new FakeHttp(r =>
        {
            if (r.Url.AbsolutePath.EndsWith("missing")) return FakeHttp.Status(HttpStatusCode.NotFound);
            var ok = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
            ok.Headers.TryAddWithoutValidation("Etag", "\"slo-etag\"");
            ok.Headers.TryAddWithoutValidation("X-Static-Large-Object", "True");
            ok.Headers.TryAddWithoutValidation("X-Object-Meta-Mtime", "1700000000.000000");
            ok.Content.Headers.TryAddWithoutValidation("Content-Length", "1234");
            return ok;
        });
        var client = NewClient(http);

        Assert.Null(await client.HeadObjectAsync("c", "missing"));
        var m = await client.HeadObjectAsync("c", "big");
        Assert.NotNull(m);
        Assert.Equal("slo-etag", m.ETag);
        Assert.True(m.IsStaticLargeObject);
        Assert.False(m.ETagIsContentMd5);
        Assert.Equal(1234, m.ContentLength);
        Assert.Equal("1700000000.000000", m.Metadata["mtime"]);
    }

    [Fact]
    public async Task The_manifest_put_carries_segments_and_the_slo_etag_and_checks_the_answer()
    {
        var segments = new[] { new SloSegment("/c_segments/o/2/1/00000000", Md5("a"u8.ToArray()), 1), new SloSegment("/c_segments/o/2/1/00000001", Md5("b"u8.ToArray()), 1) };
        var slo = Checksums.SloETag(segments.Select(s => s.ETag));
        var http = new FakeHttp(r => Created("\"" + slo + "\""));

        var result = await NewClient(http).PutManifestAsync("c", "o", segments);

        var sent = http.Requests.Single();
        Assert.Equal("?multipart-manifest=put", sent.Url.Query);
        Assert.Equal(slo, sent.Headers["ETag"]);
        Assert.Contains("\"path\":\"/c_segments/o/2/1/00000000\"", sent.BodyText);
        Assert.Contains("\"size_bytes\":1", sent.BodyText);
        Assert.Equal(slo, result.ETag);

        var wrong = new FakeHttp(r => Created("\"ffffffffffffffffffffffffffffffff\""));
        await Assert.ThrowsAsync<ChecksumMismatchException>(() => NewClient(wrong).PutManifestAsync("c", "o", segments));
    }

    [Fact]
    public async Task Info_is_fetched_without_a_token_and_missing_info_means_swift_defaults()
    {
        var http = new FakeHttp(r => r.Url.AbsolutePath == "/info"
            ? FakeHttp.Json(HttpStatusCode.OK, """{"swift": {"max_file_size": 1000}, "slo": {"max_manifest_segments": 7}}""")
            : FakeHttp.Status(HttpStatusCode.NotFound));
        var caps = await NewClient(http).GetCapabilitiesAsync();
        Assert.Equal(1000, caps.MaxFileSize);
        Assert.Equal(7, caps.MaxManifestSegments);
        var sent = http.Requests.Single();
        Assert.Equal("http://swift.test:8080/info", sent.Url.AbsoluteUri);
        Assert.Null(sent.Token);

        var hidden = new FakeHttp(r => FakeHttp.Status(HttpStatusCode.Forbidden));
        var defaults = await NewClient(hidden).GetCapabilitiesAsync();
        Assert.False(defaults.FromCluster);
        Assert.Equal(SwiftCapabilities.Defaults.MaxFileSize, defaults.MaxFileSize);
    }

    [Fact]
    public async Task A_download_whose_bytes_differ_from_the_etag_fails_and_leaves_no_file()
    {
        var dir = Directory.CreateTempSubdirectory("dl-").FullName;
        try
        {
            var http = new FakeHttp(r =>
            {
                var ok = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent("corrupted"u8.ToArray()) };
                ok.Headers.TryAddWithoutValidation("Etag", Md5("original!"u8.ToArray()));
                return ok;
            });
            var target = Path.Combine(dir, "sub", "file");
            await Assert.ThrowsAsync<ChecksumMismatchException>(() => NewClient(http).DownloadToFileAsync("c", "o", target));
            Assert.Empty(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("1700000000.123456", true)]
    [InlineData("not a time", false)]
    [InlineData(null, false)]
    public async Task A_download_gets_the_modification_time_stored_with_the_object(string? stored, bool restored)
    {
        var dir = Directory.CreateTempSubdirectory("dl-").FullName;
        try
        {
            var body = "the content"u8.ToArray();
            var http = new FakeHttp(r =>
            {
                var ok = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) };
                ok.Content.Headers.ContentLength = body.Length;
                ok.Headers.TryAddWithoutValidation("Etag", Md5(body));
                if (stored is not null) ok.Headers.TryAddWithoutValidation("X-Object-Meta-Mtime", stored);
                return ok;
            });
            var target = Path.Combine(dir, "file");
            var before = DateTime.UtcNow.AddSeconds(-5);
            await NewClient(http).DownloadToFileAsync("c", "o", target);

            Assert.Equal(body, await File.ReadAllBytesAsync(target));
            var mtime = File.GetLastWriteTimeUtc(target);
            if (restored) Assert.Equal(DateTime.UnixEpoch.AddSeconds(1_700_000_000).AddTicks(1_234_560), mtime);
            else Assert.True(mtime > before, $"the file's time is {mtime:O}: a value that is not a time must leave the time of the write");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task Deleting_a_missing_object_or_container_answers_false()
    {
        var http = new FakeHttp(r => FakeHttp.Status(HttpStatusCode.NotFound));
        var client = NewClient(http);
        Assert.False(await client.DeleteObjectAsync("c", "o"));
        Assert.False(await client.DeleteContainerAsync("c"));
        var conflict = new FakeHttp(r => FakeHttp.Status(HttpStatusCode.Conflict, "There was a conflict when trying to complete your request."));
        var e = await Assert.ThrowsAsync<HttpErrorException>(() => NewClient(conflict).DeleteContainerAsync("c"));
        Assert.Equal(HttpStatusCode.Conflict, e.Status);
        Assert.Contains("conflict", e.Message);
    }
}
