using System.Net;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Support;
using OpenStack.Actors.Transport;
using Xunit;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.Session;

public sealed class EndpointProtectionTests() : TestKit(TestConfigs.VirtualTime)
{
    private static readonly StaticAuthenticator Static = new("SecretToken", new Uri("http://cloud.example.com:3333"));
    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private static OpenStackRequest Get(string url) => new(HttpMethod.Get, url) { Service = ServiceFilter.ObjectStore };

    [Fact]
    public async Task Repeated_failures_open_the_breaker_which_fails_fast_then_lets_one_probe_through()
    {
        var healthy = false;
        var http = new FakeHttp(_ => healthy ? FakeHttp.Status(HttpStatusCode.OK, "up") : FakeHttp.Status(HttpStatusCode.InternalServerError));
        var settings = SessionSettings.Default with { MaxAttempts = 1, BreakerMaxFailures = 3, BreakerResetTimeout = TimeSpan.FromSeconds(10), BreakerRandomFactor = 0 };
        var session = Sys.ActorOf(SessionActor.Props(Static, settings, http));

        for (var i = 0; i < 3; i++)
        {
            session.Tell(Get($"/fail{i}"));
            Assert.IsType<HttpErrorException>((await ExpectMsgAsync<RequestFailed>()).Error);
        }
        session.Tell(Get("/blocked"));
        var open = Assert.IsType<CircuitOpenException>((await ExpectMsgAsync<RequestFailed>()).Error);
        Assert.Equal("http://cloud.example.com:3333", open.Endpoint);
        Assert.Contains("3 failures in a row", open.Message);
        Assert.Equal(3, http.Requests.Count);

        healthy = true;
        Scheduler.Advance(TimeSpan.FromSeconds(10));
        await AwaitAssertAsync(async () =>
        {
            session.Tell(Get("/probe"));
            Assert.Equal("up", (await ExpectMsgAsync<OpenStackResponse>()).Text());
        });
        session.Tell(Get("/after"));
        Assert.Equal("up", (await ExpectMsgAsync<OpenStackResponse>()).Text());
    }

    [Fact]
    public async Task Each_endpoint_keeps_its_own_breaker_when_requests_alternate_between_endpoints()
    {
        var http = new FakeHttp(r => r.Url.Host == "down.example.com" && r.Url.Port == 4444
            ? FakeHttp.Status(HttpStatusCode.InternalServerError)
            : FakeHttp.Status(HttpStatusCode.OK, "up"));
        var settings = SessionSettings.Default with { MaxAttempts = 1, BreakerMaxFailures = 3, BreakerResetTimeout = TimeSpan.FromSeconds(10), BreakerRandomFactor = 0 };
        var session = Sys.ActorOf(SessionActor.Props(Static, settings, http));
        static OpenStackRequest Absolute(string url) => new(HttpMethod.Get, url) { Authenticate = false };

        for (var i = 0; i < 3; i++)
        {
            session.Tell(Absolute($"http://down.example.com:4444/x{i}"));
            Assert.IsType<HttpErrorException>((await ExpectMsgAsync<RequestFailed>()).Error);
            session.Tell(Get($"/ok{i}"));   // the catalog's endpoint in between: its successes must not close the other's count
            Assert.Equal("up", (await ExpectMsgAsync<OpenStackResponse>()).Text());
        }
        session.Tell(Absolute("http://down.example.com:4444/blocked"));
        Assert.Equal("http://down.example.com:4444", Assert.IsType<CircuitOpenException>((await ExpectMsgAsync<RequestFailed>()).Error).Endpoint);
        session.Tell(Get("/still-up"));
        Assert.Equal("up", (await ExpectMsgAsync<OpenStackResponse>()).Text());
        // The same host on another port is another endpoint, with a breaker of its own.
        session.Tell(Absolute("http://down.example.com:5555/other-port"));
        Assert.Equal("up", (await ExpectMsgAsync<OpenStackResponse>()).Text());
        session.Tell(Absolute("http://down.example.com:4444/blocked-again"));
        Assert.IsType<CircuitOpenException>((await ExpectMsgAsync<RequestFailed>()).Error);

        Assert.Equal(8, http.Requests.Count);
        Assert.DoesNotContain(http.Requests, r => r.Url.AbsolutePath.StartsWith("/blocked", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Throttling_halves_what_the_whole_pool_may_send_to_that_endpoint()
    {
        var transport = CreateTestProbe();
        var settings = SessionSettings.Default with { Transport = TransportSettings.Default with { PoolSize = 2, MaxInFlightPerTransport = 4 } };
        var session = Sys.ActorOf(SessionActor.Props(Static, settings, transport: transport.Ref));

        for (var i = 0; i < 12; i++) session.Tell(Get($"/o{i}"));
        var sent = new List<TransportRequest>();
        for (var i = 0; i < 8; i++) sent.Add(await transport.ExpectMsgAsync<TransportRequest>());
        await transport.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200)); // the limit starts at the pool's 2 x 4

        var throttled = FakeResponse(sent[0], HttpStatusCode.TooManyRequests, retryAfter: "5");
        session.Tell(new TransportResult(sent[0].Id, throttled, null));
        for (var i = 1; i <= 4; i++) session.Tell(new TransportResult(sent[i].Id, FakeResponse(sent[i], HttpStatusCode.OK), null));

        // 8 in flight, limit halved to 4: after 1 + 4 replies, 3 remain, so exactly one waiting request may go.
        await transport.ExpectMsgAsync<TransportRequest>();
        await transport.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        for (var i = 0; i < 4; i++) await ExpectMsgAsync<OpenStackResponse>();
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100)); // the 429 waits for its Retry-After, not answered yet
    }

    private static OpenStackResponse FakeResponse(TransportRequest request, HttpStatusCode status, string? retryAfter = null) => new()
    {
        Method = request.Method,
        Url = request.Url,
        Status = status,
        Headers = retryAfter is null ? new Dictionary<string, string>() : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Retry-After"] = retryAfter },
    };
}
