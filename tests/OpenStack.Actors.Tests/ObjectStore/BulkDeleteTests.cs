using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Config;
using OpenStack.Actors.Http;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Support;
using Xunit;

namespace OpenStack.Actors.Tests.ObjectStore;

/// <summary>Bulk delete against a scripted Swift: the request, the answer's parsing (whitespace first, the real status in
/// the body), the outcome of every name, and the deleter's choice between bulk requests and single DELETEs.</summary>
public sealed class BulkDeleteTests : TestKit
{
    private const string Endpoint = "http://swift.test:8080/v1/AUTH_p";
    private static readonly Uri EndpointUri = new(Endpoint);
    private static readonly SessionSettings Fast = SessionSettings.Default with { MaxAttempts = 1 };

    private ObjectStoreClient NewClient(FakeHttp http, ObjectStoreSettings? settings = null) =>
        new(new OpenStackSession(Sys.ActorOf(SessionActor.Props(new StaticAuthenticator("tok", EndpointUri), Fast, http)), Fast), settings: settings);

    private static (string, string?)[] Names(string container, params string?[] names) => names.Select(n => (container, n)).ToArray();

    private static string Answer(string status, int deleted, int notFound, string errors = "[]", string body = "") =>
        $$"""{"Response Status": "{{status}}", "Response Body": "{{body}}", "Number Deleted": {{deleted}}, "Number Not Found": {{notFound}}, "Errors": {{errors}}}""";

    [Fact]
    public void The_answer_is_parsed_after_the_spaces_swift_sends_while_it_works()
    {
        var text = "      \r\n\r\n" + Answer("200 OK", 5, 2);
        var a = BulkDeleteAnswer.Parse(Encoding.UTF8.GetBytes(text), "bulk delete");
        Assert.Equal(200, a.Status);
        Assert.True(a.Succeeded);
        Assert.Equal((5, 2), (a.Deleted, a.NotFound));
        Assert.Empty(a.Errors);
    }

    [Fact]
    public void A_failed_name_fails_alone_with_its_own_status_and_the_others_are_gone()
    {
        var a = BulkDeleteAnswer.Parse(Encoding.UTF8.GetBytes(Answer("502 Bad Gateway", 2, 0,
            """[["/c/a%20b%C3%A9", "503 Service Unavailable"], ["/full", "409 Conflict"]]""")), "bulk delete");
        Assert.Equal(502, a.Status);
        Assert.False(a.Succeeded);

        var r = a.Outcomes(Names("c", "x", "a bé", "y").Append(("full", null)).ToList(), EndpointUri, "tx1");

        Assert.Equal([BulkDeleteOutcome.Deleted, BulkDeleteOutcome.Failed, BulkDeleteOutcome.Deleted, BulkDeleteOutcome.Failed], r.Items.Select(i => i.Outcome));
        var unavailable = Assert.IsType<HttpErrorException>(r.Items[1].Error);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.Status);
        Assert.Equal("http://swift.test:8080/v1/AUTH_p/c/a%20b%C3%A9", unavailable.Url.AbsoluteUri);
        Assert.True(TransientFailures.IsTransient(unavailable));
        Assert.Equal("409 Conflict", r.Items[3].Reason);
        Assert.Null(r.Items[3].Name);
        Assert.False(TransientFailures.IsTransient(r.Items[3].Error));
        Assert.Equal(2, r.Failed);
    }

    [Fact]
    public void Names_not_found_are_told_apart_only_when_nothing_was_deleted()
    {
        var none = BulkDeleteAnswer.Parse(Encoding.UTF8.GetBytes(Answer("200 OK", 0, 2)), "bulk delete").Outcomes(Names("c", "a", "b"), EndpointUri, null);
        Assert.All(none.Items, i => Assert.Equal(BulkDeleteOutcome.NotFound, i.Outcome));

        var mixed = BulkDeleteAnswer.Parse(Encoding.UTF8.GetBytes(Answer("200 OK", 1, 1)), "bulk delete").Outcomes(Names("c", "a", "b"), EndpointUri, null);
        Assert.All(mixed.Items, i => Assert.Equal(BulkDeleteOutcome.Deleted, i.Outcome));
        Assert.Equal((1, 1), (mixed.Deleted, mixed.NotFound));
    }

    [Fact]
    public void A_request_that_stopped_short_leaves_the_names_it_did_not_report_failed_with_its_status()
    {
        var a = BulkDeleteAnswer.Parse(Encoding.UTF8.GetBytes(Answer("400 Bad Request", 1, 0, """[["/c/b", "409 Conflict"]]""",
            body: "<html><h1>Bad Request</h1><p>Max delete failures exceeded</p></html>")), "bulk delete");
        var r = a.Outcomes(Names("c", "a", "b", "c"), EndpointUri, "tx2");

        Assert.All(r.Items, i => Assert.Equal(BulkDeleteOutcome.Failed, i.Outcome));
        Assert.Contains("400 Bad Request: Bad Request Max delete failures exceeded", r.Items[0].Reason);
        Assert.Equal(HttpStatusCode.BadRequest, Assert.IsType<HttpErrorException>(r.Items[0].Error).Status);

        var tooMany = BulkDeleteAnswer.Parse(Encoding.UTF8.GetBytes(Answer("413 Request Entity Too Large", 0, 0)), "bulk delete")
            .Outcomes(Names("c", "a"), EndpointUri, null);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, Assert.IsType<HttpErrorException>(Assert.Single(tooMany.Items).Error).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("<html>Accepted</html>")]
    [InlineData("""{"other": 1}""")]
    public void An_answer_that_is_not_a_bulk_result_is_a_protocol_error(string body)
    {
        var e = Assert.Throws<ObjectStoreProtocolException>(() => BulkDeleteAnswer.Parse(Encoding.UTF8.GetBytes(body), "bulk delete"));
        Assert.Contains("bulk delete", e.Message);
    }

    [Fact]
    public void A_line_encodes_what_swift_would_misread_and_keeps_non_ascii_bytes()
    {
        var line = Encoding.UTF8.GetString(ObjectStoreClient.BulkLine("my c", " dir/a b%+&é\t"));
        Assert.Equal("/my%20c/%20dir/a%20b%25%2B%26é%09", line);
        Assert.Equal("/c", Encoding.UTF8.GetString(ObjectStoreClient.BulkLine("c", null)));
        Assert.Throws<InvalidObjectNameException>(() => ObjectStoreClient.BulkLine("c", "a\nb"));
    }

    [Fact]
    public void Info_says_whether_bulk_delete_is_there_and_how_many_names_a_request_takes()
    {
        using var with = JsonDocument.Parse("""{"swift": {}, "bulk_delete": {"max_deletes_per_request": 250, "max_failed_deletes": 1000}}""");
        var caps = SwiftCapabilities.Parse(with.RootElement);
        Assert.True(caps.BulkDeleteSupported);
        Assert.Equal(250, caps.MaxDeletesPerRequest);
        Assert.Equal(100, (ObjectStoreSettings.Default with { BulkDeleteMaxPerRequest = 100 }).BulkDeletePerRequest(caps));
        Assert.Equal(250, ObjectStoreSettings.Default.BulkDeletePerRequest(caps));
        Assert.Equal(0, (ObjectStoreSettings.Default with { BulkDeleteMaxPerRequest = 0 }).BulkDeletePerRequest(caps));

        using var without = JsonDocument.Parse("""{"swift": {}, "bulk_upload": {}}""");
        Assert.False(SwiftCapabilities.Parse(without.RootElement).BulkDeleteSupported);
        Assert.False(SwiftCapabilities.Defaults.BulkDeleteSupported);
        Assert.Equal(0, ObjectStoreSettings.Default.BulkDeletePerRequest(SwiftCapabilities.Defaults));

        var s = ObjectStoreSettings.Create(Akka.Configuration.ConfigurationFactory.ParseString("openstack.object-store.bulk-delete { max-per-request = 50, requests = 3 }"));
        Assert.Equal((50, 3), (s.BulkDeleteMaxPerRequest, s.BulkDeleteRequests));
    }

    [Fact]
    public async Task The_request_is_a_post_of_encoded_lines_and_every_name_gets_its_outcome()
    {
        var http = new FakeHttp(r => FakeHttp.Json(HttpStatusCode.OK, "  " + Answer("400 Bad Request", 1, 1, """[["/full", "409 Conflict"]]""")));
        var result = await NewClient(http).BulkDeleteAsync([("c", "a b"), ("c", "gone"), ("full", null)]);

        var sent = Assert.Single(http.Requests);
        Assert.Equal(HttpMethod.Post, sent.Method);
        Assert.Equal("http://swift.test:8080/v1/AUTH_p/?bulk-delete", sent.Url.AbsoluteUri);
        Assert.Equal("application/json", sent.Headers["Accept"]);
        Assert.StartsWith("text/plain", sent.Headers["Content-Type"]);
        Assert.Equal("tok", sent.Token);
        Assert.Equal("/c/a%20b\n/c/gone\n/full\n", sent.BodyText);
        Assert.Equal([BulkDeleteOutcome.Deleted, BulkDeleteOutcome.Deleted, BulkDeleteOutcome.Failed], result.Items.Select(i => i.Outcome));
        Assert.Equal(HttpStatusCode.Conflict, Assert.IsType<HttpErrorException>(result.Items[2].Error).Status);
    }

    [Fact]
    public async Task A_name_no_url_can_carry_fails_alone_and_the_others_are_sent()
    {
        var http = new FakeHttp(r => FakeHttp.Json(HttpStatusCode.OK, Answer("200 OK", 1, 0)));
        var result = await NewClient(http).BulkDeleteAsync([("c", "a/../b"), ("c", "fine")]);

        Assert.Equal("/c/fine\n", Assert.Single(http.Requests).BodyText);
        Assert.IsType<InvalidObjectNameException>(result.Items[0].Error);
        Assert.Equal([BulkDeleteOutcome.Failed, BulkDeleteOutcome.Deleted], result.Items.Select(i => i.Outcome));
    }

    [Fact]
    public async Task A_token_refused_for_every_name_is_replaced_through_a_head_and_the_request_goes_once_more()
    {
        var posts = 0;
        var http = new FakeHttp(r => r.Method == HttpMethod.Head
            ? FakeHttp.Status(HttpStatusCode.NoContent)
            : Interlocked.Increment(ref posts) == 1
                ? FakeHttp.Json(HttpStatusCode.OK, Answer("400 Bad Request", 0, 0, """[["/c/a", "401 Unauthorized"], ["/c/b", "401 Unauthorized"]]"""))
                : FakeHttp.Json(HttpStatusCode.OK, Answer("200 OK", 2, 0)));
        var result = await NewClient(http).BulkDeleteAsync(Names("c", "a", "b"));

        Assert.Equal(["POST", "HEAD", "POST"], http.Requests.Select(r => r.Method.Method));
        Assert.Equal("http://swift.test:8080/v1/AUTH_p/", http.Requests.ElementAt(1).Url.AbsoluteUri);
        Assert.All(result.Items, i => Assert.Equal(BulkDeleteOutcome.Deleted, i.Outcome));
    }

    [Fact]
    public async Task A_name_too_long_for_a_line_goes_with_a_delete_of_its_own()
    {
        var http = new FakeHttp(r => r.Method == HttpMethod.Delete
            ? FakeHttp.Status(HttpStatusCode.NoContent)
            : FakeHttp.Json(HttpStatusCode.OK, Answer("200 OK", 1, 0)));
        var caps = SwiftCapabilities.Defaults with { MaxObjectNameLength = 100, MaxContainerNameLength = 20 };
        var result = await NewClient(http).BulkDeleteAsync([("c", "short"), ("c", new string('%', 50))], caps);

        Assert.Equal(2, http.Requests.Count);
        Assert.Equal("/c/short\n", http.Requests.Single(r => r.Method == HttpMethod.Post).BodyText);
        Assert.EndsWith("/c/" + string.Concat(Enumerable.Repeat("%25", 50)), http.Requests.Single(r => r.Method == HttpMethod.Delete).Url.AbsoluteUri);
        Assert.All(result.Items, i => Assert.Equal(BulkDeleteOutcome.Deleted, i.Outcome));
        Assert.Equal(2, result.Deleted);
    }

    [Fact]
    public async Task A_large_object_is_deleted_with_its_segments_and_a_failed_segment_fails_it_with_the_status_in_the_body()
    {
        var http = new FakeHttp(r => r.Method == HttpMethod.Head
            ? SloHead()
            : FakeHttp.Json(HttpStatusCode.OK, " " + Answer("502 Bad Gateway", 2, 0, """[["/c_segments/big/1", "503 Service Unavailable"]]""")));
        var e = await Assert.ThrowsAsync<HttpErrorException>(() => NewClient(http).DeleteObjectAsync("c", "big", withSegments: true));

        Assert.Equal("http://swift.test:8080/v1/AUTH_p/c/big?multipart-manifest=delete", http.Requests.Last().Url.AbsoluteUri);
        Assert.Equal(HttpStatusCode.BadGateway, e.Status);
        Assert.Contains("/c_segments/big/1: 503 Service Unavailable", e.Message);
        Assert.True(TransientFailures.IsTransient(e));

        var missing = new FakeHttp(r => r.Method == HttpMethod.Head ? SloHead() : FakeHttp.Json(HttpStatusCode.OK, Answer("404 Not Found", 0, 0)));
        Assert.False(await NewClient(missing).DeleteObjectAsync("c", "big", withSegments: true));

        static HttpResponseMessage SloHead()
        {
            var r = FakeHttp.Status(HttpStatusCode.OK);
            r.Headers.TryAddWithoutValidation("X-Static-Large-Object", "True");
            return r;
        }
    }

    [Theory]
    [InlineData("""{"swift": {}, "bulk_delete": {"max_deletes_per_request": 10}}""", 3, 0)]
    [InlineData("""{"swift": {}, "slo": {}}""", 0, 24)]
    [InlineData(null, 0, 24)]
    public async Task The_deleter_sends_a_listing_in_bulk_requests_of_the_clusters_size_and_single_deletes_without_bulk(string? info, int posts,
        int deletes)
    {
        var listing = Enumerable.Range(0, 24).Select(i => new { name = $"o{i:D2}", hash = "h", bytes = 1 })
            .Append(new { name = "large", hash = "m", bytes = 1 }).ToList();
        var bulkLines = new ConcurrentQueue<int>();
        var http = new FakeHttp(r => (r.Method.Method, r.Url.AbsolutePath) switch
        {
            ("GET", "/info") => info is null ? FakeHttp.Status(HttpStatusCode.NotFound) : FakeHttp.Json(HttpStatusCode.OK, info),
            ("GET", _) when r.Url.Query.Contains("marker=", StringComparison.Ordinal) => FakeHttp.Json(HttpStatusCode.OK, "[]"),
            ("GET", _) => FakeHttp.Json(HttpStatusCode.OK, JsonSerializer.Serialize(listing).Replace("\"m\",", "\"m\",\"slo_etag\":\"\\\"e\\\"\",", StringComparison.Ordinal)),
            ("HEAD", "/v1/AUTH_p/c/large") => Slo(),
            ("HEAD", _) => FakeHttp.Status(HttpStatusCode.NoContent),
            ("POST", _) => Bulk(r),
            ("DELETE", _) when r.Url.Query == "?multipart-manifest=delete" => FakeHttp.Json(HttpStatusCode.OK, Answer("200 OK", 3, 0)),
            ("DELETE", _) => FakeHttp.Status(HttpStatusCode.NoContent),
            _ => FakeHttp.Status(HttpStatusCode.MethodNotAllowed),
        });
        var client = NewClient(http);
        var results = new ConcurrentQueue<FileResult>();

        var run = await new BatchDeleter(client, Sys).StartAsync(new DeleteJob("c"), results.Enqueue);
        var summary = await run.Completion;

        Assert.True(summary.Success, string.Join("; ", summary.Failures.Select(f => f.Reason)));
        Assert.Equal(25, summary.Transferred);
        Assert.Equal(25, results.OfType<FileDeleted>().Select(d => d.ObjectName).Distinct().Count());
        Assert.Equal(posts, http.Requests.Count(r => r.Method == HttpMethod.Post));
        Assert.All(bulkLines, n => Assert.True(n <= 10, $"{n} names in one request"));
        var singles = http.Requests.Count(r => r.Method == HttpMethod.Delete && r.Url.Query == "");
        Assert.Equal(deletes, singles);
        Assert.Equal(24, bulkLines.Sum() + singles);   // every plain object once, one way or the other
        // The large object went on its own, with its segments.
        Assert.Single(http.Requests, r => r.Method == HttpMethod.Delete && r.Url.AbsoluteUri.EndsWith("/c/large?multipart-manifest=delete", StringComparison.Ordinal));

        HttpResponseMessage Bulk(RecordedRequest r)
        {
            var lines = r.BodyText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            bulkLines.Enqueue(lines.Length);
            Assert.DoesNotContain("/c/large", lines);
            return FakeHttp.Json(HttpStatusCode.OK, "  " + Answer("200 OK", lines.Length, 0));
        }

        static HttpResponseMessage Slo()
        {
            var r = FakeHttp.Status(HttpStatusCode.OK);
            r.Headers.TryAddWithoutValidation("X-Static-Large-Object", "True");
            return r;
        }
    }
}
