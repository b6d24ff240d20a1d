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

public sealed class EveryRequestGetsOneReplyTests() : TestKit(TestConfigs.VirtualTime)
{
    private static readonly StaticAuthenticator Static = new("SecretToken", new Uri("http://cloud.example.com:3333"));
    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private static OpenStackRequest Get(string url, int? attempts = null) =>
        new(HttpMethod.Get, url) { Service = ServiceFilter.ObjectStore, Options = new RequestOptions { MaxAttempts = attempts } };

    [Fact]
    public async Task A_connection_failure_is_answered_with_a_typed_failure()
    {
        var http = new FakeHttp((_, _) => Task.FromException<HttpResponseMessage>(new HttpRequestException("Connection refused")));
        var session = Sys.ActorOf(SessionActor.Props(Static, SessionSettings.Default, http));

        session.Tell(Get("/c", attempts: 1) with { CorrelationId = 7 });

        var failed = await ExpectMsgAsync<RequestFailed>();
        var error = Assert.IsType<ConnectionFailedException>(failed.Error);
        Assert.Contains("Connection refused", error.Message);
        Assert.Equal(7, failed.CorrelationId);
    }

    [Fact]
    public async Task A_transient_failure_is_retried_after_the_backoff_and_then_succeeds()
    {
        var calls = 0;
        var http = new FakeHttp(_ => Interlocked.Increment(ref calls) == 1
            ? FakeHttp.Status(HttpStatusCode.ServiceUnavailable)
            : FakeHttp.Status(HttpStatusCode.OK, "fine"));
        var session = Sys.ActorOf(SessionActor.Props(Static, SessionSettings.Default with { MinBackoff = TimeSpan.FromSeconds(2), MaxBackoff = TimeSpan.FromSeconds(2) }, http));

        await EventFilter.Debug(contains: "Retrying").ExpectOneAsync(() =>
        {
            session.Tell(Get("/c"));
            return Task.CompletedTask;
        });
        Assert.Single(http.Requests);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        Scheduler.Advance(TimeSpan.FromSeconds(2.1));

        var response = await ExpectMsgAsync<OpenStackResponse>();
        Assert.Equal("fine", response.Text());
        Assert.Equal(2, http.Requests.Count);
    }

    [Fact]
    public async Task Retry_After_is_a_floor_for_the_backoff()
    {
        var http = new FakeHttp(r =>
        {
            if (r.Url.AbsolutePath == "/done") return FakeHttp.Status(HttpStatusCode.OK);
            var limited = FakeHttp.Status(HttpStatusCode.TooManyRequests);
            limited.Headers.Add("Retry-After", "30");
            return limited;
        });
        var session = Sys.ActorOf(SessionActor.Props(Static, SessionSettings.Default with { MaxBackoff = TimeSpan.FromSeconds(1) }, http));

        await EventFilter.Debug(contains: "Retrying").ExpectOneAsync(() =>
        {
            session.Tell(Get("/c", attempts: 2));
            return Task.CompletedTask;
        });
        Scheduler.Advance(TimeSpan.FromSeconds(29));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.Single(http.Requests);
        Scheduler.Advance(TimeSpan.FromSeconds(1.5));

        var failed = await ExpectMsgAsync<RequestFailed>();
        Assert.Equal(HttpStatusCode.TooManyRequests, Assert.IsType<HttpErrorException>(failed.Error).Status);
        Assert.Equal(2, http.Requests.Count);
    }

    [Fact]
    public async Task A_reply_the_transport_never_sends_becomes_a_timeout()
    {
        var transport = CreateTestProbe();
        var settings = SessionSettings.Default with { RequestTimeout = TimeSpan.FromSeconds(10), ReplyGrace = TimeSpan.FromSeconds(2) };
        var session = Sys.ActorOf(SessionActor.Props(Static, settings, transport: transport.Ref));

        session.Tell(Get("/lost"));
        var sent = await transport.ExpectMsgAsync<TransportRequest>();
        Assert.Equal("http://cloud.example.com:3333/lost", sent.Url.AbsoluteUri);
        Assert.Equal(TimeSpan.FromSeconds(10), sent.Timeout);
        Scheduler.Advance(TimeSpan.FromSeconds(11));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        Scheduler.Advance(TimeSpan.FromSeconds(2));

        var failed = await ExpectMsgAsync<RequestFailed>();
        Assert.IsType<RequestTimeoutException>(failed.Error);
        // A late reply is dropped, not sent as a second answer.
        session.Tell(new TransportResult(sent.Id, new OpenStackResponse { Method = HttpMethod.Get, Url = sent.Url, Status = HttpStatusCode.OK }, null));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task The_http_timeout_of_an_attempt_is_a_typed_timeout()
    {
        var http = new FakeHttp(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return FakeHttp.Status(HttpStatusCode.OK);
        });
        var session = Sys.ActorOf(SessionActor.Props(Static, SessionSettings.Default, http));

        session.Tell(Get("/slow", attempts: 1) with { Options = new RequestOptions { MaxAttempts = 1, Timeout = TimeSpan.FromMilliseconds(300) } });

        var failed = await ExpectMsgAsync<RequestFailed>(TimeSpan.FromSeconds(10));
        var timeout = Assert.IsType<RequestTimeoutException>(failed.Error);
        Assert.Equal(TimeSpan.FromMilliseconds(300), timeout.Timeout);
    }

    [Fact]
    public async Task Requests_in_flight_when_the_session_stops_are_answered()
    {
        var transport = CreateTestProbe();
        var session = Sys.ActorOf(SessionActor.Props(Static, SessionSettings.Default, transport: transport.Ref));
        session.Tell(Get("/a"));
        session.Tell(Get("/b"));
        await transport.ExpectMsgAsync<TransportRequest>();
        await transport.ExpectMsgAsync<TransportRequest>();

        await session.GracefulStop(TimeSpan.FromSeconds(5));

        Assert.IsType<SessionStoppedException>((await ExpectMsgAsync<RequestFailed>()).Error);
        Assert.IsType<SessionStoppedException>((await ExpectMsgAsync<RequestFailed>()).Error);
    }

    [Fact]
    public async Task A_request_held_by_a_transport_that_restarts_is_still_answered()
    {
        var release = new TaskCompletionSource();
        var http = new FakeHttp(async (_, _) =>
        {
            await release.Task;
            return FakeHttp.Status(HttpStatusCode.OK, "after restart");
        });
        var settings = SessionSettings.Default with { Transport = TransportSettings.Default with { PoolSize = 1 } };
        var session = Sys.ActorOf(SessionActor.Props(Static, settings, http), "restart-session");
        session.Tell(Get("/held"));
        await AwaitConditionAsync(() => Task.FromResult(http.Requests.Count == 1));

        var routee = await Sys.ActorSelection("/user/restart-session/transport/*").ResolveOne(TimeSpan.FromSeconds(3));
        // The supervisor logs the failure when it handles it: the restart has happened before the exchange completes.
        await EventFilter.Exception<ActorKilledException>().ExpectOneAsync(() => { routee.Tell(Kill.Instance); return Task.CompletedTask; });
        release.SetResult();

        var response = await ExpectMsgAsync<OpenStackResponse>();
        Assert.Equal("after restart", response.Text());
    }

    [Fact]
    public async Task A_relative_url_without_a_service_filter_needs_one()
    {
        var cloud = new FakeCloud();
        var session = Sys.ActorOf(SessionActor.Props(cloud.Authenticator(), SessionSettings.Default, cloud.Http));

        session.Tell(new OpenStackRequest(HttpMethod.Get, "/c"));

        Assert.Contains("needs a service filter", (await ExpectMsgAsync<RequestFailed>()).Error.Message);
    }

    [Fact]
    public async Task An_endpoint_not_in_the_catalog_fails_naming_the_filter()
    {
        var cloud = new FakeCloud();
        var session = Sys.ActorOf(SessionActor.Props(cloud.Authenticator(), SessionSettings.Default, cloud.Http));

        session.Tell(new OpenStackRequest(HttpMethod.Get, "/servers") { Service = new ServiceFilter("compute") });

        var error = Assert.IsType<EndpointNotFoundException>((await ExpectMsgAsync<RequestFailed>()).Error);
        Assert.Contains("service type 'compute'", error.Message);
        Assert.Contains("object-store (swift) public RegionOne http://swift.test:8080/v1/AUTH_demo", error.Message);
    }
}
