using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Support;
using Xunit;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.Session;

/// <summary>The session's side of an outage: EndpointDown/EndpointUp events, requests that wait for a down endpoint,
/// errors in plain words, and 401s while Keystone comes back. Virtual time throughout.</summary>
public sealed class EndpointOutageTests() : TestKit(TestConfigs.VirtualTime)
{
    private static readonly Uri Endpoint = new("http://cloud.example.com:3333");
    private static readonly StaticAuthenticator Static = new("SecretToken", Endpoint);
    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private static readonly SessionSettings Settings = SessionSettings.Default with
    {
        MaxAttempts = 1, BreakerMaxFailures = 2, BreakerResetTimeout = TimeSpan.FromSeconds(10), BreakerRandomFactor = 0,
    };

    private static OpenStackRequest Get(string url, RequestOptions? options = null) => new(HttpMethod.Get, url) { Service = ServiceFilter.ObjectStore, Options = options };

    private static Task<HttpResponseMessage> Refused() =>
        Task.FromException<HttpResponseMessage>(new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused)));

    [Fact]
    public async Task A_waiting_request_is_held_while_the_breaker_is_open_and_sent_as_its_probe_and_the_events_say_when()
    {
        var healthy = false;
        var http = new FakeHttp((_, _) => healthy ? Task.FromResult(FakeHttp.Status(HttpStatusCode.OK, "up")) : Refused());
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(EndpointDown));
        Sys.EventStream.Subscribe(events.Ref, typeof(EndpointUp));
        var session = Sys.ActorOf(SessionActor.Props(Static, Settings, http));

        for (var i = 0; i < 2; i++)
        {
            session.Tell(Get($"/fail{i}"));
            var failed = Assert.IsType<ConnectionFailedException>((await ExpectMsgAsync<RequestFailed>()).Error);
            Assert.StartsWith("connection refused by cloud.example.com:3333", failed.Message);
        }
        var down = await events.ExpectMsgAsync<EndpointDown>();
        Assert.Equal("http://cloud.example.com:3333", down.Endpoint);
        Assert.Contains("connection refused by cloud.example.com:3333", down.Reason);
        Assert.Equal(session, down.Session);

        // Without the option: at once, in our words (not the breaker's).
        session.Tell(Get("/fast"));
        var open = Assert.IsType<CircuitOpenException>((await ExpectMsgAsync<RequestFailed>()).Error);
        Assert.Contains("connection refused by cloud.example.com:3333", open.Message);
        Assert.Contains("2 failures in a row", open.Message);
        Assert.DoesNotContain("CircuitBreaker", open.Message);
        Assert.Equal(down.Since, open.DownSince);

        // With it: nothing is sent and nothing answered while the breaker is open.
        session.Tell(Get("/wait", new RequestOptions { WaitForEndpoint = true }));
        session.Tell(Get("/wait-too", new RequestOptions { WaitForEndpoint = true }));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.Equal(2, http.Requests.Count);

        healthy = true;
        Scheduler.Advance(TimeSpan.FromSeconds(10));   // half-open: the first held request is the probe, then the rest go
        var answers = new[] { await ExpectMsgAsync<OpenStackResponse>(), await ExpectMsgAsync<OpenStackResponse>() };
        Assert.Equal(["/wait", "/wait-too"], answers.Select(a => a.Url.AbsolutePath).Order());
        var up = await events.ExpectMsgAsync<EndpointUp>();
        Assert.Equal(down.Since, up.DownSince);
        Assert.Equal(TimeSpan.FromSeconds(10), up.DownFor);
        Assert.Equal(4, http.Requests.Count);
    }

    [Fact]
    public async Task A_waiting_request_fails_with_the_open_breaker_after_its_own_timeout()
    {
        var http = new FakeHttp((_, _) => Refused());
        var session = Sys.ActorOf(SessionActor.Props(Static, Settings with { BreakerResetTimeout = TimeSpan.FromMinutes(5) }, http));
        for (var i = 0; i < 2; i++)
        {
            session.Tell(Get($"/fail{i}"));
            await ExpectMsgAsync<RequestFailed>();
        }

        session.Tell(Get("/wait", new RequestOptions { WaitForEndpoint = true, Timeout = TimeSpan.FromSeconds(5) }));
        session.Tell(GetSessionStats.Instance);
        Assert.Equal(1, (await ExpectMsgAsync<SessionStats>()).Pending);   // held, and its clock started before time moves
        Scheduler.Advance(TimeSpan.FromSeconds(4));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Scheduler.Advance(TimeSpan.FromSeconds(2));   // past the timeout: the next sweep answers
        var error = Assert.IsType<CircuitOpenException>((await ExpectMsgAsync<RequestFailed>()).Error);
        Assert.Contains("waited", error.Message);
        Assert.Equal(2, http.Requests.Count);
    }

    [Fact]
    public async Task A_401_just_after_Keystone_was_unreachable_is_retried_as_part_of_the_outage()
    {
        // Keystone is down for the first token request; Swift then still rejects the fresh token twice (it cannot validate
        // it yet) before it accepts it.
        var auth = new FlakyKeystone(failures: 1);
        var unauthorized = 2;
        var http = new FakeHttp(_ => Interlocked.Decrement(ref unauthorized) >= 0 ? FakeHttp.Status(HttpStatusCode.Unauthorized) : FakeHttp.Status(HttpStatusCode.OK, "stored"));
        var settings = SessionSettings.Default with { MaxAttempts = 5, MinBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(1), TokenMinInterval = TimeSpan.Zero };
        var session = Sys.ActorOf(SessionActor.Props(auth, settings, http));

        session.Tell(Get("/o"));
        var response = await AdvanceUntilAsync<OpenStackResponse>();
        Assert.Equal("stored", response.Text());
        Assert.Equal(3, http.Requests.Count);
    }

    [Fact]
    public async Task A_401_without_a_Keystone_outage_is_final_after_one_reauthentication()
    {
        var http = new FakeHttp(_ => FakeHttp.Status(HttpStatusCode.Unauthorized));
        var session = Sys.ActorOf(SessionActor.Props(new FlakyKeystone(failures: 0), SessionSettings.Default with { MaxAttempts = 5 }, http));

        session.Tell(Get("/o"));
        var error = Assert.IsType<HttpErrorException>((await AdvanceUntilAsync<RequestFailed>()).Error);
        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
        Assert.Equal(2, http.Requests.Count);
    }

    /// <summary>Advances virtual time a second at a time until the reply comes (backoff and token intervals pass).</summary>
    private async Task<T> AdvanceUntilAsync<T>()
    {
        for (var i = 0; i < 120; i++)
        {
            var reply = await ReceiveOneAsync(TimeSpan.FromMilliseconds(50));
            if (reply is not null) return Assert.IsType<T>(reply);
            Scheduler.Advance(TimeSpan.FromSeconds(1));
        }
        throw new TimeoutException($"no {typeof(T).Name} within 120 virtual seconds");
    }

    /// <summary>A Keystone that is unreachable for its first <paramref name="failures"/> token requests.</summary>
    private sealed class FlakyKeystone(int failures) : IAuthenticator
    {
        private int _calls;

        public string Description => "flaky keystone";

        public Task<AccessInfo> AuthenticateAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) <= failures
                ? Task.FromException<AccessInfo>(new ConnectionFailedException("connection refused by keystone.example.com:5000 (POST http://keystone.example.com:5000/v3/auth/tokens)"))
                : Task.FromResult(new AccessInfo(new AuthToken($"token-{_calls}"), null, ServiceCatalog.SingleEndpoint(Endpoint), "demo"));
    }
}
