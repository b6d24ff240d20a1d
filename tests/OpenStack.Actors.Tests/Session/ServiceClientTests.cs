using System.Diagnostics;
using System.Net;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Discovery;
using OpenStack.Actors.Http;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Discovery;
using OpenStack.Actors.Tests.Support;
using OpenStack.Actors.Transport;
using Xunit;

namespace OpenStack.Actors.Tests.Session;

/// <summary>The service client and the session's discovery, by message and through the facade, over a scripted Placement.</summary>
public sealed class ServiceClientTests() : TestKit("akka.loglevel = DEBUG")
{
    private static readonly Uri Endpoint = new("http://placement.test:8778");
    private static readonly ServiceFilter Placement = new("placement");

    /// <summary>Placement: its version document at the root, and any other path echoing the microversion it was asked for.</summary>
    private static FakeHttp PlacementServer(bool document = true) => new(r =>
    {
        if (r.Url.AbsolutePath == "/")
            return document ? FakeHttp.Json(HttpStatusCode.OK, CannedDocuments.Placement) : FakeHttp.Status(HttpStatusCode.NotFound);
        var response = FakeHttp.Json(HttpStatusCode.OK, """{"resource_providers": []}""");
        response.Headers.TryAddWithoutValidation("OpenStack-API-Version", r.Headers.TryGetValue("OpenStack-API-Version", out var v) ? v : "placement 1.0");
        response.Headers.TryAddWithoutValidation("X-OpenStack-Request-ID", "req-00000000-0000-0000-0000-000000000001");
        return response;
    });

    private OpenStackSession Session(FakeHttp http) =>
        new(Sys.ActorOf(SessionActor.Props(new StaticAuthenticator("SecretToken", Endpoint), SessionSettings.Default, http)), SessionSettings.Default);

    private static int DocumentFetches(FakeHttp http) => http.Requests.Count(r => r.Url.AbsolutePath == "/");

    [Fact]
    public async Task The_version_document_is_fetched_once_and_every_request_carries_the_negotiated_microversion()
    {
        var http = PlacementServer();
        var client = Session(http).For(Placement, new() { Api = ApiVersionRequest.ForMicroversion("1.10") });

        var first = await client.GetAsync("resource_providers");
        var second = await client.WithMicroversion("latest").GetAsync("/resource_providers?name=x");

        Assert.Equal(1, DocumentFetches(http));
        Assert.Equal(new Microversion(1, 10), first.ApiVersion);
        Assert.Equal(new Microversion(1, 39), second.ApiVersion);
        var sent = http.Requests.Where(r => r.Url.AbsolutePath != "/").ToList();
        Assert.Equal(["http://placement.test:8778/resource_providers", "http://placement.test:8778/resource_providers?name=x"], sent.Select(r => r.Url.AbsoluteUri));
        Assert.All(sent, r => Assert.Equal("SecretToken", r.Token));
        Assert.Equal("application/json", http.Requests.First(r => r.Url.AbsolutePath == "/").Headers["Accept"]);
    }

    [Fact]
    public async Task An_unservable_microversion_by_message_gets_exactly_one_typed_failure_and_nothing_is_sent()
    {
        var http = PlacementServer();
        var session = Session(http);

        session.Actor.Tell(new OpenStackRequest(HttpMethod.Get, "resource_providers") { Service = Placement, Api = ApiVersionRequest.ForMicroversion("1.99"), CorrelationId = 5 }, TestActor);

        var failed = await ExpectMsgAsync<RequestFailed>();
        var error = Assert.IsType<MicroversionNotSupportedException>(failed.Error);
        Assert.Equal("placement supports 1.0 to 1.39; 1.99 was requested", error.Message);
        Assert.Equal(5, failed.CorrelationId);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.All(http.Requests, r => Assert.Equal("/", r.Url.AbsolutePath));
    }

    [Fact]
    public async Task DiscoverService_by_message_answers_the_endpoint()
    {
        var session = Session(PlacementServer());

        session.Actor.Tell(new DiscoverService(Placement, ApiVersionRequest.ForMicroversion("latest")) { CorrelationId = "d" }, TestActor);

        var discovered = await ExpectMsgAsync<ServiceDiscovered>();
        Assert.Equal("d", discovered.CorrelationId);
        Assert.Equal("1.39", discovered.Endpoint.Microversion);
        Assert.Equal("v1.0", discovered.Endpoint.Version!.Id);
    }

    [Fact]
    public async Task Without_a_version_document_the_catalog_url_is_used_and_the_microversion_sent_unchecked()
    {
        var http = PlacementServer(document: false);
        var client = Session(http).For(Placement, new() { Api = ApiVersionRequest.ForMicroversion("1.5") });

        var response = await client.GetAsync("resource_providers");

        Assert.True(response.IsSuccess);
        Assert.Equal("placement 1.5", http.Requests.Last().Headers["OpenStack-API-Version"]);
        Assert.Null((await client.GetEndpointAsync()).Version);
    }

    [Fact]
    public async Task Without_a_version_no_document_is_fetched_and_bound_headers_are_sent()
    {
        var http = PlacementServer();
        var client = Session(http).For(Placement, new() { Headers = new Dictionary<string, string> { ["X-Bound"] = "yes" } });

        await client.GetAsync("resource_providers", headers: new Dictionary<string, string> { ["X-Own"] = "1" });

        var sent = Assert.Single(http.Requests);
        Assert.Equal("yes", sent.Headers["X-Bound"]);
        Assert.Equal("1", sent.Headers["X-Own"]);
        Assert.False(sent.Headers.ContainsKey("OpenStack-API-Version"));
    }

    [Fact]
    public async Task A_compute_microversion_also_goes_in_novas_legacy_header()
    {
        var http = new FakeHttp(r => r.Url.AbsolutePath == "/v2.1"
            ? FakeHttp.Json(HttpStatusCode.OK, CannedDocuments.NovaVersioned.Replace("http://nova.test:8774", "http://placement.test:8778"))
            : FakeHttp.Json(HttpStatusCode.OK, "{}"));
        var session = new OpenStackSession(Sys.ActorOf(SessionActor.Props(new StaticAuthenticator("t", new Uri("http://placement.test:8778/v2.1")), SessionSettings.Default, http)), SessionSettings.Default);

        await session.For(new ServiceFilter("compute"), new() { Api = ApiVersionRequest.ForMicroversion("2.60") }).GetAsync("servers");

        var sent = http.Requests.Last();
        Assert.Equal("http://placement.test:8778/v2.1/servers", sent.Url.AbsoluteUri);
        Assert.Equal("compute 2.60", sent.Headers["OpenStack-API-Version"]);
        Assert.Equal("2.60", sent.Headers["X-OpenStack-Nova-API-Version"]);
    }

    [Fact]
    public async Task The_global_request_id_is_sent_from_the_option_or_the_callers_trace_and_a_malformed_one_is_refused()
    {
        var http = PlacementServer();
        var session = Session(http);
        const string id = "req-0f8c3a4e-2b6d-4c1e-9a7f-3d5b8e1c2a90";

        await session.GetAsync("resource_providers", Placement, options: new RequestOptions { GlobalRequestId = id });
        Assert.Equal(id, http.Requests.Last().Headers["X-OpenStack-Request-ID"]);

        using var source = new ActivitySource("service-client-test");
        using var listener = new ActivityListener { ShouldListenTo = s => s == source, Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData };
        ActivitySource.AddActivityListener(listener);
        using (var activity = source.StartActivity("caller")!)
        {
            await session.For(Placement).GetAsync("resource_providers");
            Assert.Equal(ApiHeaders.GlobalRequestIdFor(activity.TraceId), http.Requests.Last().Headers["X-OpenStack-Request-ID"]);
        }

        var sentBefore = http.Requests.Count;
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            session.GetAsync("resource_providers", Placement, options: new RequestOptions { GlobalRequestId = "my-id" }));
        Assert.Contains("'my-id' is not 'req-' and a lower-case uuid", error.Message);
        Assert.Equal(sentBefore, http.Requests.Count);
    }

    [Fact]
    public async Task The_http_log_line_names_the_servers_request_id_and_the_global_one_sent()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(Akka.Event.Debug));
        const string id = "req-11111111-2222-4333-8444-555555555555";

        await Session(PlacementServer()).GetAsync("resource_providers", Placement, options: new RequestOptions { GlobalRequestId = id });

        var line = "";
        probe.FishForMessage<Akka.Event.Debug>(d =>
            d.LogSource.StartsWith(HttpRequestLog.SourceName, StringComparison.Ordinal) && (line = d.Message.ToString()!).Contains("resource_providers", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5));
        Assert.Matches($@"^GET http://placement\.test:8778/resource_providers 200 in \d+ ms request-id req-00000000-0000-0000-0000-000000000001 global-request-id {id}$", line);
    }

    [Fact]
    public async Task A_malformed_microversion_is_refused_before_anything_is_sent()
    {
        var http = PlacementServer();

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => Session(http).For(Placement).WithMicroversion("1").GetAsync("x"));

        Assert.Equal("'1' is not a microversion (expected X.Y, e.g. 1.30, or 'latest')", error.Message);
        Assert.Empty(http.Requests);
    }
}
