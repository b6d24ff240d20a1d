using System.Net;
using Akka.Actor;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using OpenStack.Actors.TestKit.Tests.Support;
using Xunit;
using OpenStack.Actors.Http;
using AkkaTestKit = Akka.TestKit.Xunit2.TestKit;

namespace OpenStack.Actors.TestKit.Tests;

/// <summary>Scenarios behind the session (401 storms, throttling, expiry, catalogs), all in virtual time.</summary>
public sealed class ScenarioTests() : AkkaTestKit(OpenStackTestConfig.VirtualTime)
{
    private static readonly object[] OneContainer = [new { name = "photos", count = 3, bytes = 42 }];

    private static OpenStackRequest List(object? correlation = null) =>
        new(HttpMethod.Get, "/?format=json") { Service = ServiceFilter.ObjectStore, CorrelationId = correlation };

    [Fact]
    public async Task One_401_is_absorbed_by_the_sessions_reauthentication_in_virtual_time()
    {
        var fake = new FakeSession(this, new FakeSessionOptions { AuthDelay = TimeSpan.FromSeconds(2) });
        fake.When(HttpMethod.Get, "/?format=json").ReplyJson(OneContainer);
        fake.UnauthorizedStorm(1);
        var lister = Sys.ActorOf(ContainerListerActor.Props(fake.Actor));

        lister.Tell(ListContainers.Instance, TestActor);
        await fake.ExpectAuthenticationAsync();              // the first token request's delay is on the scheduler
        fake.Advance(TimeSpan.FromSeconds(2));               // first token; its attempt is refused: reauthentication
        Assert.Equal("fake-token-1", (await fake.ExpectRequestAsync(HttpMethod.Get, "/?format=json")).Token);
        await fake.ExpectAuthenticationAsync();              // the reauthentication's delay is on the scheduler
        var during = await fake.GetStatsAsync();
        Assert.Equal(1, during.Reauthentications);
        Assert.Equal(1, during.Pending);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        fake.Advance(TimeSpan.FromSeconds(2));               // second token; the attempt with it succeeds

        await ExpectMsgAsync<ContainersListed>();
        var stats = await fake.GetStatsAsync();
        Assert.Equal((0, 1L), (stats.Pending, stats.Reauthentications));
        // The caller sent one request; the cloud saw two attempts, with the first token and with the new one.
        Assert.Equal(["fake-token-1", "fake-token-2"], fake.Requests.Select(r => r.Token));
        Assert.All(fake.Requests, r => Assert.Equal(lister, r.Sender));
    }

    [Fact]
    public async Task A_second_401_in_a_row_reaches_the_user_actor()
    {
        var fake = new FakeSession(this);
        fake.When(HttpMethod.Get, "/?format=json").ReplyJson(OneContainer);
        fake.UnauthorizedStorm(2);
        var lister = Sys.ActorOf(ContainerListerActor.Props(fake.Actor));

        lister.Tell(ListContainers.Instance, TestActor);

        var failed = await ExpectMsgAsync<ListingFailed>();
        Assert.Equal(HttpStatusCode.Unauthorized, Assert.IsType<HttpErrorException>(failed.Error).Status);
        var stats = await fake.GetStatsAsync();
        Assert.Equal((0, 1L), (stats.Pending, stats.Reauthentications));
        Assert.Equal(["fake-token-1", "fake-token-2"], fake.Requests.Select(r => r.Token));
    }

    [Fact]
    public async Task A_scripted_401_is_handed_over_as_the_session_would_after_its_one_reauthentication()
    {
        var fake = new FakeSession(this);
        fake.When(HttpMethod.Get, "/?format=json").Reply(401, KeystoneFixtures.ErrorJson(401, "Unauthorized", "token revoked"));

        fake.Actor.Tell(List("x"), TestActor);

        var failed = await ExpectMsgAsync<RequestFailed>();
        var error = Assert.IsType<HttpErrorException>(failed.Error);
        Assert.Equal("token revoked", error.ServerMessage);
        Assert.Equal("x", failed.CorrelationId);
        Assert.Equal(1, (await fake.GetStatsAsync()).Reauthentications);
    }

    [Fact]
    public async Task Throttling_is_retried_by_the_session_after_Retry_After_so_the_user_actor_sees_a_late_success()
    {
        var fake = new FakeSession(this);
        fake.When(HttpMethod.Get, "/?format=json").ReplyJson(OneContainer);
        fake.Throttle(2, retryAfter: TimeSpan.FromSeconds(20));
        var lister = Sys.ActorOf(ContainerListerActor.Props(fake.Actor));

        lister.Tell(ListContainers.Instance, TestActor);
        await fake.ExpectRequestAsync(HttpMethod.Get, "/?format=json");   // settled: the session's retry timer is set
        fake.Advance(TimeSpan.FromSeconds(20));
        var second = await fake.ExpectRequestAsync(HttpMethod.Get, "/?format=json");
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        fake.Advance(TimeSpan.FromSeconds(20));

        await ExpectMsgAsync<ContainersListed>();            // no RetryScheduled: the session absorbed the 429s
        Assert.Equal(3, fake.Requests.Count);
        Assert.Equal(TimeSpan.FromSeconds(20), second.ReceivedAt - fake.Requests[0].ReceivedAt);
    }

    [Fact]
    public async Task With_one_attempt_the_sessions_429_goes_to_the_user_actor_with_its_Retry_After()
    {
        var fake = new FakeSession(this, new FakeSessionOptions { Settings = SessionSettings.Default with { MaxAttempts = 1 } });
        fake.When(HttpMethod.Get, "/?format=json").ReplyJson(OneContainer);
        fake.Throttle(1, retryAfter: TimeSpan.FromSeconds(45));
        var lister = Sys.ActorOf(ContainerListerActor.Props(fake.Actor));

        lister.Tell(ListContainers.Instance, TestActor);

        Assert.Equal(TimeSpan.FromSeconds(45), (await ExpectMsgAsync<RetryScheduled>()).Delay);
        fake.Advance(TimeSpan.FromSeconds(45));
        await ExpectMsgAsync<ContainersListed>();
    }

    [Fact]
    public async Task Server_errors_and_connection_failures_follow_the_sessions_retry_rules()
    {
        var fake = new FakeSession(this);
        fake.When(HttpMethod.Get, "/a").Reply(200);
        fake.When(HttpMethod.Post, "/b").Reply(201);
        fake.ServerFailures(1, 503);
        fake.ConnectionFailures(1);

        fake.Actor.Tell(new OpenStackRequest(HttpMethod.Get, "/a") { Service = ServiceFilter.ObjectStore }, TestActor);
        await fake.ExpectRequestAsync(HttpMethod.Get, "/a");
        fake.Advance(TimeSpan.FromMilliseconds(500));        // backoff cap of attempt 1 (min-backoff): 503 retried
        await fake.ExpectRequestAsync(HttpMethod.Get, "/a");
        fake.Advance(TimeSpan.FromSeconds(1));               // attempt 2's cap: the connection failure retried
        Assert.Equal(HttpStatusCode.OK, (await ExpectMsgAsync<OpenStackResponse>()).Status);

        fake.ConnectionFailures(1);                          // a POST is not retried
        fake.Actor.Tell(new OpenStackRequest(HttpMethod.Post, "/b") { Service = ServiceFilter.ObjectStore }, TestActor);
        Assert.IsType<ConnectionFailedException>((await ExpectMsgAsync<RequestFailed>()).Error);
    }

    [Fact]
    public async Task Tokens_live_on_the_schedulers_clock_and_an_expired_token_costs_one_401_and_a_reauthentication()
    {
        var fake = new FakeSession(this, new FakeSessionOptions { TokenLifetime = TimeSpan.FromHours(1) });
        fake.When(HttpMethod.Get, "/?format=json").ReplyJson(OneContainer);

        var first = await fake.Session.GetAccessAsync();
        Assert.Equal("fake-token-1", first.Token.Value);
        Assert.Equal(fake.Now + TimeSpan.FromHours(1), first.ExpiresAt);
        fake.Advance(TimeSpan.FromMinutes(57));              // before the session's renewal (two minutes before expiry)
        Assert.Equal("fake-token-1", (await fake.Session.GetAccessAsync()).Token.Value);
        Assert.Equal(1, fake.Authentications);

        fake.ExpireToken();                                  // Keystone drops it: the client learns from a 401
        Assert.Equal("fake-token-1", (await fake.Session.GetAccessAsync()).Token.Value);
        await fake.Session.SendAsync(List());
        Assert.Equal(["fake-token-1", "fake-token-2"], fake.Requests.Select(r => r.Token));
        Assert.Equal(1, (await fake.GetStatsAsync()).Reauthentications);
        Assert.Equal("fake-token-2", (await fake.Session.GetAccessAsync()).Token.Value);
    }

    [Fact]
    public async Task Refused_credentials_fail_requests_and_GetAccess_once_the_token_runs_out()
    {
        var fake = new FakeSession(this);
        fake.When(HttpMethod.Get, "/?format=json").ReplyJson(OneContainer);
        await fake.Session.SendAsync(List());

        fake.FailAuthentication();
        await fake.Session.SendAsync(List());                // the current token still works
        fake.ExpireToken();

        await Assert.ThrowsAsync<AuthenticationFailedException>(() => fake.Session.SendAsync(List()));
        fake.Actor.Tell(GetAccess.Instance, TestActor);
        Assert.IsType<AuthenticationFailedException>((await ExpectMsgAsync<AccessDenied>()).Error);
        fake.RestoreAuthentication();
        // The session's authenticator holds refused credentials for token.bad-credentials-hold before asking again.
        fake.Actor.Tell(GetAccess.Instance, TestActor);
        Assert.IsType<AuthenticationFailedException>((await ExpectMsgAsync<AccessDenied>()).Error);
        fake.Advance(fake.Settings.BadCredentialsHold);
        Assert.Equal("fake-token-2", (await fake.Session.GetAccessAsync()).Token.Value);
    }

    [Fact]
    public async Task Relative_urls_resolve_through_the_real_catalog_so_EndpointNotFound_behaves_as_in_production()
    {
        var fake = new FakeSession(this, new FakeSessionOptions { Catalog = CatalogBuilder.MultiRegion("RegionOne", "RegionTwo").Build() });
        fake.When(HttpMethod.Get, "*").Reply(204);
        var internalTwo = ServiceFilter.ObjectStore.WithInterface("internal").InRegion("RegionTwo");

        await fake.Session.GetAsync("/photos", internalTwo);
        var sent = await fake.ExpectRequestAsync(RequestMatcher.For(HttpMethod.Get, "/photos").ForService("object-store", "internal", "RegionTwo"));
        Assert.Equal(new Uri("http://swift-internal.regiontwo.test:8080/v1/AUTH_demo/photos"), sent.ResolvedUrl);

        var error = await Assert.ThrowsAsync<EndpointNotFoundException>(() => fake.Session.GetAsync("/photos", ServiceFilter.ObjectStore.InRegion("RegionThree")));
        Assert.Contains(error.Available, e => e.Contains("regiontwo", StringComparison.Ordinal));
        await Assert.ThrowsAsync<EndpointNotFoundException>(() => fake.Session.GetAsync("/", new ServiceFilter("compute")));
        fake.Verify();                                       // never sent: not unexpected

        fake.UseCatalog(CatalogBuilder.ObjectStoreOnly("http://swift.elsewhere.test/v1/AUTH_x"));
        await fake.Session.GetAsync("/photos", ServiceFilter.ObjectStore);
        // The old token is refused (401), and the new one comes with the new catalog the request is resolved against again.
        Assert.Equal(new Uri("http://swift.elsewhere.test/v1/AUTH_x/photos"), fake.Requests[^1].ResolvedUrl);
        Assert.Equal("fake-token-2", fake.Requests[^1].Token);
        Assert.Equal("fake-token-1", fake.Requests[^2].Token);
    }

    [Fact]
    public async Task Delayed_replies_wait_for_virtual_time_and_a_delay_past_the_timeout_becomes_a_timeout()
    {
        var fake = new FakeSession(this);
        fake.When(HttpMethod.Get, "/slow").Reply(200, "{}").After(TimeSpan.FromSeconds(5));
        fake.When(HttpMethod.Get, "/stuck").Reply(200).After(TimeSpan.FromMinutes(5));

        fake.Actor.Tell(new OpenStackRequest(HttpMethod.Get, "/slow") { Service = ServiceFilter.ObjectStore }, TestActor);
        await fake.ExpectRequestAsync(HttpMethod.Get, "/slow");
        Assert.Equal(1, (await fake.GetStatsAsync()).Pending);
        fake.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(5), (await ExpectMsgAsync<OpenStackResponse>()).Elapsed);

        var options = new RequestOptions { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 1 };   // no retry of the timeout
        fake.Actor.Tell(new OpenStackRequest(HttpMethod.Get, "/stuck") { Service = ServiceFilter.ObjectStore, Options = options }, TestActor);
        await fake.ExpectRequestAsync(HttpMethod.Get, "/stuck");
        fake.Advance(TimeSpan.FromSeconds(29));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        fake.Advance(TimeSpan.FromSeconds(1));
        var timeout = Assert.IsType<RequestTimeoutException>((await ExpectMsgAsync<RequestFailed>()).Error);
        Assert.Equal(TimeSpan.FromSeconds(30), timeout.Timeout);
    }

    [Fact]
    public async Task Typed_failures_raise_on_error_and_the_reply_shapes_mirror_the_real_session()
    {
        var fake = new FakeSession(this);
        var notFound = new EndpointNotFoundException(new ServiceFilter("dns"), []);
        fake.When(HttpMethod.Get, "/dns").Fail(notFound);
        fake.When(HttpMethod.Get, "/missing").ReplyText(404, "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>", "text/html");
        fake.When(HttpMethod.Get, "/stream").ReplyText(200, "chunk");

        Assert.Same(notFound, await Assert.ThrowsAsync<EndpointNotFoundException>(() => fake.Session.GetAsync("/dns", ServiceFilter.ObjectStore)));
        var http = await Assert.ThrowsAsync<HttpErrorException>(() => fake.Session.GetAsync("/missing", ServiceFilter.ObjectStore));
        Assert.Equal(HttpStatusCode.NotFound, http.Status);
        Assert.Equal("Not Found The resource could not be found.", http.ServerMessage);
        Assert.Equal("req-fake-2", http.RequestId);

        var raw = await fake.Session.GetAsync("/missing", ServiceFilter.ObjectStore, options: new RequestOptions { RaiseOnError = false });
        Assert.Equal(HttpStatusCode.NotFound, raw.Status);
        using var streamed = await fake.Session.GetAsync("/stream", ServiceFilter.ObjectStore, options: new RequestOptions { StreamResponse = true });
        Assert.True(streamed.Body.IsEmpty);
        Assert.Equal("chunk", await new StreamReader(streamed.BodyStream!).ReadToEndAsync());

        fake.Actor.Tell(new OpenStackRequest(HttpMethod.Get, "/x\r\n") { Service = ServiceFilter.ObjectStore }, TestActor);
        Assert.IsType<InvalidRequestException>((await ExpectMsgAsync<RequestFailed>()).Error);
    }

    [Fact]
    public async Task Pending_requests_are_failed_when_the_fake_stops()
    {
        var fake = new FakeSession(this);
        fake.When(HttpMethod.Get, "/slow").Reply(200).After(TimeSpan.FromSeconds(10));
        fake.Actor.Tell(new OpenStackRequest(HttpMethod.Get, "/slow") { Service = ServiceFilter.ObjectStore, CorrelationId = 7 }, TestActor);
        await fake.ExpectRequestAsync(HttpMethod.Get, "/slow");

        Sys.Stop(fake.Actor);

        var failed = await ExpectMsgAsync<RequestFailed>();
        Assert.IsType<SessionStoppedException>(failed.Error);
        Assert.Equal(7, failed.CorrelationId);
    }
}
