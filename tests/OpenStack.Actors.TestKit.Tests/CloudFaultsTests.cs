using System.Net;
using Akka.Actor;
using Akka.Event;
using Akka.TestKit;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Http;
using OpenStack.Actors.Session;
using Xunit;
using AkkaTestKit = Akka.TestKit.Xunit2.TestKit;

namespace OpenStack.Actors.TestKit.Tests;

/// <summary>Each fault of the layer played through the REAL session over the fake cloud, under virtual time: the session's
/// retries, Retry-After, reauthentication and failure classification at work, with time moved only after the event that
/// sets the next timer has been seen.</summary>
public sealed class CloudFaultsTests : AkkaTestKit
{
    private const string Object = KeystoneFixtures.SwiftUrl + "/photos/cat.jpg";

    private readonly FakeCloudHandler _cloud;
    private readonly CloudFaults _faults;
    private readonly TestProbe _retries;

    public CloudFaultsTests() : base(OpenStackTestConfig.VirtualTime + "\nakka.loglevel = DEBUG")
    {
        _cloud = new FakeCloudHandler(new FakeCloudOptions { Clock = () => Sys.Scheduler.Now });
        _faults = new CloudFaults(Sys, _cloud);
        _retries = CreateTestProbe();
        Sys.EventStream.Subscribe(_retries.Ref, typeof(Debug));
    }

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    private OpenStackSession Session(SessionSettings? settings = null)
    {
        var s = settings ?? SessionSettings.Default with { MinBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(1) };
        return new OpenStackSession(Sys.ActorOf(SessionActor.Props(_cloud.PasswordAuthenticator(), s, _faults)), s);
    }

    private static bool IsObject(FaultRequest r) => r.Url.AbsoluteUri == Object;

    /// <summary>The session's "Retrying ... in N s" line: logged once its retry timer is set, so time may move after it.</summary>
    private async Task<string> RetryScheduledAsync()
    {
        var line = await _retries.FishForMessageAsync<Debug>(d => d.Message?.ToString()?.StartsWith("Retrying", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(10));
        return line.Message!.ToString()!;
    }

    private async Task AssertNoRequestAsync(int nth)
    {
        // A short look for a request that must not come: the assertion of an absence, not a wait for something to happen.
        await Assert.ThrowsAsync<FakeAssertionException>(() => _faults.WaitForRequestAsync(IsObject, nth, TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task A_burst_of_503s_is_retried_by_the_session_and_never_reaches_the_service()
    {
        _cloud.When(HttpMethod.Get, Object).ReplyText(200, "meow");
        _faults.ServerErrors(503, count: 3).For("object-store").OnMethod(HttpMethod.Get);
        var session = Session();

        var get = session.GetAsync("/photos/cat.jpg", ServiceFilter.ObjectStore);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal([FaultKind.ServerError], (await _faults.WaitForRequestAsync(IsObject, i)).Faults);
            await RetryScheduledAsync();
            Clock.Advance(TimeSpan.FromSeconds(1));   // the backoff is at most MaxBackoff
        }

        Assert.Equal("meow", (await get).Text());
        Assert.Equal(3, _faults.Count(FaultKind.ServerError));
        Assert.True((await _faults.WaitForRequestAsync(IsObject, 4)).Untouched);
        Assert.Single(_cloud.Requests, r => r.Url.AbsoluteUri == Object);
    }

    [Fact]
    public async Task Server_errors_in_a_window_last_until_the_window_closes()
    {
        _cloud.When(HttpMethod.Get, Object).ReplyText(200, "meow");
        _faults.ServerErrors(500).For("object-store").Between(TimeSpan.Zero, TimeSpan.FromSeconds(3));
        var session = Session(SessionSettings.Default with { MaxAttempts = 10, MinBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(1) });

        var get = session.GetAsync("/photos/cat.jpg", ServiceFilter.ObjectStore);
        for (var n = 1; !(await _faults.WaitForRequestAsync(IsObject, n)).Untouched; n++)
        {
            await RetryScheduledAsync();
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal("meow", (await get).Text());
        var attempts = _faults.Requests.Where(IsObject).ToList();
        Assert.All(attempts[..^1], r => Assert.True(r.At - _faults.Start < TimeSpan.FromSeconds(3) && r.Faults.SequenceEqual([FaultKind.ServerError])));
        Assert.True(attempts[^1].At - _faults.Start >= TimeSpan.FromSeconds(3));
        Assert.True(attempts[^1].Untouched);
    }

    [Fact]
    public async Task A_429_is_retried_exactly_after_its_Retry_After_in_virtual_time()
    {
        _cloud.When(HttpMethod.Get, Object).ReplyText(200, "meow");
        _faults.Throttle(retryAfter: TimeSpan.FromSeconds(2), count: 3).For("object-store");
        // The jitter stays below Retry-After, so the wait is Retry-After exactly.
        var session = Session(SessionSettings.Default with { MinBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(100) });

        var get = session.GetAsync("/photos/cat.jpg", ServiceFilter.ObjectStore);
        for (var i = 1; i <= 3; i++)
        {
            var throttled = await _faults.WaitForRequestAsync(IsObject, i);
            Assert.Equal([FaultKind.Throttle], throttled.Faults);
            Assert.Contains("in 2.0 s", await RetryScheduledAsync());
            Clock.Advance(TimeSpan.FromMilliseconds(1999));
            await AssertNoRequestAsync(i + 1);
            Clock.Advance(TimeSpan.FromMilliseconds(1));
            var next = await _faults.WaitForRequestAsync(IsObject, i + 1);
            Assert.Equal(TimeSpan.FromSeconds(2), next.At - throttled.At);
        }

        Assert.Equal("meow", (await get).Text());
        Assert.Equal(3, _faults.Count(FaultKind.Throttle));
        Assert.Equal(TimeSpan.FromSeconds(6), _faults.Elapsed);
    }

    [Fact]
    public async Task A_reset_in_the_middle_of_a_GET_body_is_retried_and_the_second_body_is_whole()
    {
        _cloud.When(HttpMethod.Get, Object).ReplyText(200, "the whole picture");
        var reset = _faults.ResetMidBody(afterBytes: 5).OnUrl("*/cat.jpg");
        var session = Session();

        var get = session.GetAsync("/photos/cat.jpg", ServiceFilter.ObjectStore);
        Assert.Equal([FaultKind.ResetMidBody], (await _faults.WaitForRequestAsync(IsObject, 1)).Faults);
        await RetryScheduledAsync();
        Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("the whole picture", (await get).Text());
        Assert.Equal(1, reset.Injected);
        Assert.Equal(2, _cloud.Requests.Count(r => r.Url.AbsoluteUri == Object));   // the broken answer did come from the service
    }

    [Fact]
    public async Task A_reset_mid_body_and_a_reset_before_the_response_reach_the_caller_as_the_real_resets_do()
    {
        _cloud.When(null, Object).ReplyText(200, "the whole picture");
        _faults.ResetMidBody(afterBytes: 5).OnMethod(HttpMethod.Get);
        _faults.ResetBeforeResponse().OnMethod(HttpMethod.Put);
        var session = Session(SessionSettings.Default with { MaxAttempts = 1 });

        var midBody = await Assert.ThrowsAsync<ConnectionFailedException>(() => session.GetAsync("/photos/cat.jpg", ServiceFilter.ObjectStore));
        var beforeResponse = await Assert.ThrowsAsync<ConnectionFailedException>(() =>
            session.PutAsync("/photos/cat.jpg", RequestBody.FromText("meow"), ServiceFilter.ObjectStore));

        Assert.StartsWith("connection reset by swift.test:8080", midBody.Message);
        Assert.StartsWith("connection reset by swift.test:8080", beforeResponse.Message);
        Assert.True(TransientFailures.IsTransient(midBody) && TransientFailures.IsTransient(beforeResponse));
        Assert.Equal([FaultKind.ResetMidBody, FaultKind.ResetBeforeResponse], _faults.Injected.Select(f => f.Kind));
        Assert.DoesNotContain(_cloud.Requests, r => r.Method == HttpMethod.Put);
    }

    [Fact]
    public async Task An_endpoint_down_from_t1_to_t2_refuses_connections_in_that_window_only()
    {
        _cloud.When(HttpMethod.Get, Object).ReplyText(200, "meow");
        _faults.Down("object-store", from: TimeSpan.FromSeconds(10), to: TimeSpan.FromSeconds(130));
        var session = Session(SessionSettings.Default with { MaxAttempts = 1 });

        Assert.Equal("meow", (await session.GetAsync("/photos/cat.jpg", ServiceFilter.ObjectStore)).Text());
        Clock.Advance(TimeSpan.FromSeconds(10));
        var refused = await Assert.ThrowsAsync<ConnectionFailedException>(() => session.GetAsync("/photos/cat.jpg", ServiceFilter.ObjectStore));
        Clock.Advance(TimeSpan.FromSeconds(119.9));
        await Assert.ThrowsAsync<ConnectionFailedException>(() => session.GetAsync("/photos/cat.jpg", ServiceFilter.ObjectStore));
        Clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal("meow", (await session.GetAsync("/photos/cat.jpg", ServiceFilter.ObjectStore)).Text());

        Assert.StartsWith("connection refused by swift.test:8080", refused.Message);
        Assert.Equal(2, _faults.Count(FaultKind.Down));
        Assert.Equal(2, _cloud.Requests.Count(r => r.Url.AbsoluteUri == Object));
        Assert.Equal(1, _cloud.TokensIssued);   // Keystone (identity) is not down
    }

    [Fact]
    public async Task Tokens_revoked_at_t_make_the_session_reauthenticate_once_and_the_new_token_works()
    {
        _cloud.When(HttpMethod.Get, Object).ReplyText(200, "meow");
        _faults.RevokeTokensAt(TimeSpan.FromSeconds(60));
        var session = Session();
        await session.GetAsync("/photos/cat.jpg", ServiceFilter.ObjectStore);

        Clock.Advance(TimeSpan.FromSeconds(59));
        await session.GetAsync("/photos/cat.jpg", ServiceFilter.ObjectStore);
        Assert.Equal(0, _faults.Count(FaultKind.RevokedToken));
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("meow", (await session.GetAsync("/photos/cat.jpg", ServiceFilter.ObjectStore)).Text());
        await session.GetAsync("/photos/cat.jpg", ServiceFilter.ObjectStore);

        Assert.Equal(1, _faults.Count(FaultKind.RevokedToken));
        Assert.Equal(1, (await session.GetStatsAsync()).Reauthentications);
        Assert.Equal(2, _cloud.TokensIssued);
        Assert.Equal(["tok-1", "tok-1", "tok-2", "tok-2"], _cloud.Requests.Where(r => !r.IsTokenRequest).Select(r => r.Token));
    }

    [Fact]
    public async Task Latency_elapses_on_the_scheduler_and_not_on_the_wall_clock()
    {
        _cloud.When(HttpMethod.Get, Object).ReplyText(200, "meow");
        _faults.Latency(TimeSpan.FromMilliseconds(200)).For("object-store");
        _faults.Latency(r => r.Method == HttpMethod.Get ? TimeSpan.FromSeconds(30) : TimeSpan.Zero).OnUrl("*/cat.jpg");
        var session = Session();

        var get = session.GetAsync("/photos/cat.jpg", ServiceFilter.ObjectStore);
        var arrived = await _faults.WaitForRequestAsync(IsObject, 1);
        Assert.Equal([FaultKind.Latency, FaultKind.Latency], arrived.Faults);
        Assert.Equal(arrived.At + TimeSpan.FromSeconds(30.2), _faults.NextDue);
        Clock.Advance(TimeSpan.FromSeconds(30.199));
        Assert.DoesNotContain(_cloud.Requests, r => r.Url.AbsoluteUri == Object);   // its timer has not fired: not sent on
        Clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal("meow", (await get).Text());
        Assert.Null(_faults.NextDue);
        Assert.Equal(TimeSpan.FromSeconds(30.2), _faults.Elapsed);
    }

    [Fact]
    public async Task Waiting_for_what_never_comes_fails_with_the_requests_seen()
    {
        _cloud.When(HttpMethod.Get, Object).ReplyText(200, "meow");
        var session = Session();
        await session.GetAsync("/photos/cat.jpg", ServiceFilter.ObjectStore);

        var error = await Assert.ThrowsAsync<FakeAssertionException>(() => _faults.WaitForFaultAsync(FaultKind.Throttle, timeout: TimeSpan.FromMilliseconds(50)));

        Assert.Contains("Throttle fault #1 did not come", error.Message);
        Assert.Contains("GET http://swift.test:8080/v1/AUTH_demo/photos/cat.jpg (object-store)", error.Message);
        Assert.Contains("POST http://keystone.test:5000/v3/auth/tokens (identity)", error.Message);
    }

    [Fact]
    public async Task A_layer_made_before_its_ActorSystem_says_so_until_it_is_bound_and_counts_its_times_from_the_binding()
    {
        var early = new CloudFaults(_cloud);
        early.ServerErrors(503).Until(TimeSpan.FromSeconds(10));
        using var http = new HttpMessageInvoker(early, disposeHandler: false);

        var unbound = await Assert.ThrowsAsync<InvalidOperationException>(() => http.SendAsync(new HttpRequestMessage(HttpMethod.Get, Object), CancellationToken.None));
        Assert.Contains("WithCloudFaults", unbound.Message);

        Clock.Advance(TimeSpan.FromSeconds(30));
        early.Bind(Sys);
        Assert.Equal(Sys.Scheduler.Now, early.Start);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, Object), CancellationToken.None)).StatusCode);
        Assert.Throws<InvalidOperationException>(() => early.Bind(new TestScheduler(Sys.Settings.Config, Sys.Log)));
    }
}
