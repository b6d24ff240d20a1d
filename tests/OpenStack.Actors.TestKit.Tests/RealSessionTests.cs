using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text;
using Akka.Actor;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Http;
using OpenStack.Actors.Session;
using Xunit;
using AkkaTestKit = Akka.TestKit.Xunit2.TestKit;

namespace OpenStack.Actors.TestKit.Tests;

/// <summary>The fake is the real session: rules the old hand-written copy had wrong or lacked, under virtual time.
/// Debug logging is on for the token renewal test, which waits for the authenticator's log line.</summary>
public sealed class RealSessionTests() : AkkaTestKit(OpenStackTestConfig.VirtualTime + "\nakka.loglevel = DEBUG")
{
    private static OpenStackRequest Get(string url, object? correlation = null, RequestOptions? options = null) =>
        new(HttpMethod.Get, url) { Service = ServiceFilter.ObjectStore, CorrelationId = correlation, Options = options };

    [Fact]
    public async Task A_reply_past_the_timeout_ends_in_the_transports_timeout_whose_message_redacts_the_url()
    {
        var fake = new FakeSession(this);
        fake.When(HttpMethod.Get, UrlPattern.Prefix("/photos/cat.jpg")).Reply(200).After(TimeSpan.FromMinutes(2));
        var options = new RequestOptions { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 1 };

        fake.Actor.Tell(Get("/photos/cat.jpg?temp_url_sig=s3cr3t&temp_url_expires=1700000000", "t", options), TestActor);
        await fake.ExpectRequestAsync(HttpMethod.Get, UrlPattern.Prefix("/photos/cat.jpg"));
        fake.Advance(TimeSpan.FromSeconds(29));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        fake.Advance(TimeSpan.FromSeconds(1));

        var failed = await ExpectMsgAsync<RequestFailed>();
        var timeout = Assert.IsType<RequestTimeoutException>(failed.Error);
        Assert.Equal("t", failed.CorrelationId);
        Assert.Equal(TimeSpan.FromSeconds(30), timeout.Timeout);
        Assert.Equal($"GET {KeystoneFixtures.SwiftUrl}/photos/cat.jpg?temp_url_sig=***&temp_url_expires=1700000000 timed out after 30 s", timeout.Message);
    }

    [Fact]
    public async Task A_timed_out_GET_is_retried_after_the_backoff_and_the_caller_gets_the_timeout_of_the_last_attempt()
    {
        var fake = new FakeSession(this, new FakeSessionOptions { Settings = SessionSettings.Default with { MaxAttempts = 2 } });
        fake.When(HttpMethod.Get, "/stuck").Reply(200).After(TimeSpan.FromMinutes(5));
        var options = new RequestOptions { Timeout = TimeSpan.FromSeconds(30) };

        fake.Actor.Tell(Get("/stuck", options: options), TestActor);
        var first = await fake.ExpectRequestAsync(HttpMethod.Get, "/stuck");
        fake.Advance(TimeSpan.FromSeconds(30));
        await fake.GetStatsAsync();                          // the session has the timeout: its retry timer is set
        fake.Advance(TimeSpan.FromMilliseconds(500));        // min-backoff, the cap of the first retry
        var second = await fake.ExpectRequestAsync(HttpMethod.Get, "/stuck");
        Assert.Equal(TimeSpan.FromSeconds(30.5), second.ReceivedAt - first.ReceivedAt);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        fake.Advance(TimeSpan.FromSeconds(30));

        Assert.IsType<RequestTimeoutException>((await ExpectMsgAsync<RequestFailed>()).Error);
        Assert.Equal(2, fake.Requests.Count);
    }

    [Fact]
    public async Task Retry_waits_are_the_injected_jitter_times_the_exponential_cap()
    {
        var fake = new FakeSession(this, new FakeSessionOptions { RetryJitter = () => 0.5 });
        fake.When(HttpMethod.Get, "/a").Reply(200);
        fake.ServerFailures(3, 503);

        fake.Actor.Tell(Get("/a"), TestActor);
        var attempts = new List<RecordedRequest> { await fake.ExpectRequestAsync(HttpMethod.Get, "/a") };
        foreach (var wait in new[] { 250, 500, 1000 })       // half of 0.5 s, 1 s, 2 s
        {
            fake.Advance(TimeSpan.FromMilliseconds(wait - 1));
            await fake.ExpectNoRequestAsync();
            fake.Advance(TimeSpan.FromMilliseconds(1));
            attempts.Add(await fake.ExpectRequestAsync(HttpMethod.Get, "/a"));
        }

        Assert.Equal(HttpStatusCode.OK, (await ExpectMsgAsync<OpenStackResponse>()).Status);
        Assert.Equal([250.0, 500.0, 1000.0], attempts.Zip(attempts.Skip(1), (a, b) => (b.ReceivedAt - a.ReceivedAt).TotalMilliseconds));
    }

    [Fact]
    public async Task A_POST_whose_body_was_sent_is_not_retried_while_a_PUT_with_a_rewindable_body_is_sent_again()
    {
        var fake = new FakeSession(this);
        fake.When(HttpMethod.Post, "/photos").Reply(503);
        fake.When(HttpMethod.Put, "/photos/cat").Reply(503).Then.Reply(201);
        fake.When(HttpMethod.Put, "/photos/dog").Reply(503);

        var post = new OpenStackRequest(HttpMethod.Post, "/photos") { Service = ServiceFilter.ObjectStore, Body = RequestBody.FromText("meow") };
        Assert.Equal(HttpStatusCode.ServiceUnavailable,
            (await Assert.ThrowsAsync<HttpErrorException>(() => fake.Session.SendAsync(post))).Status);
        fake.Advance(TimeSpan.FromMinutes(1));
        await fake.ExpectNoRequestAsync();
        Assert.Single(fake.Requests);

        var put = new OpenStackRequest(HttpMethod.Put, "/photos/cat") { Service = ServiceFilter.ObjectStore, Body = RequestBody.FromText("purr") };
        var reply = fake.Session.SendAsync(put);
        await fake.ExpectRequestAsync(HttpMethod.Put, "/photos/cat");
        fake.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(HttpStatusCode.Created, (await reply).Status);
        Assert.Equal(["purr", "purr"], fake.Requests.Where(r => r.Url == "/photos/cat").Select(r => r.BodyText()));

        // A body read from a one-way stream cannot be sent twice: the 503 goes to the caller.
        using var once = new MemoryStream(Encoding.UTF8.GetBytes("woof"));
        var stream = new OpenStackRequest(HttpMethod.Put, "/photos/dog") { Service = ServiceFilter.ObjectStore, Body = new StreamBody(() => once, 4, CanReopen: false) };
        await Assert.ThrowsAsync<HttpErrorException>(() => fake.Session.SendAsync(stream));
        Assert.Equal("woof", Assert.Single(fake.Requests, r => r.Url == "/photos/dog").BodyText());
    }

    [Fact]
    public async Task A_request_the_caller_has_its_reply_to_but_the_cloud_settles_later_is_no_request_of_a_later_ExpectNoRequest()
    {
        // The cloud settles an answered attempt only when the session's stats come back, after the caller's reply. A GET
        // whose rule holds the cloud keeps the POST unsettled until the test lets go inside the ExpectNoRequest span; the
        // token's delay makes the session send the two together, so the GET is in the cloud's mailbox before the stats.
        var fake = new FakeSession(this, new FakeSessionOptions { AuthDelay = TimeSpan.FromSeconds(1) });
        using var holding = new SemaphoreSlim(0);
        using var release = new ManualResetEventSlim();
        fake.When(HttpMethod.Post, "/photos").Reply(503);
        fake.When(RequestMatcher.For(HttpMethod.Get, "/held").Where(_ =>
        {
            holding.Release();
            return release.Wait(TimeSpan.FromSeconds(10));
        }, "holds the cloud")).Reply(200);
        var post = new OpenStackRequest(HttpMethod.Post, "/photos") { Service = ServiceFilter.ObjectStore, Body = RequestBody.FromText("meow") };
        var held = CreateTestProbe();

        fake.Actor.Tell(post, TestActor);
        fake.Actor.Tell(Get("/held"), held);
        await fake.ExpectAuthenticationAsync();
        fake.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, Assert.IsType<HttpErrorException>((await ExpectMsgAsync<RequestFailed>()).Error).Status);
        Assert.True(await holding.WaitAsync(TimeSpan.FromSeconds(3)));

        var nothing = fake.ExpectNoRequestAsync();
        release.Set();
        await nothing;
        await held.ExpectMsgAsync<OpenStackResponse>();
        Assert.Equal(2, fake.Requests.Count);
    }

    [Fact]
    public async Task An_unexpected_request_is_not_retried_and_the_caller_gets_the_reason()
    {
        var fake = new FakeSession(this);

        fake.Actor.Tell(Get("/nothing/scripted", "u"), TestActor);

        var failed = await ExpectMsgAsync<RequestFailed>();
        Assert.Equal("u", failed.CorrelationId);
        Assert.Contains("no scripted rule matches it", Assert.IsType<UnexpectedRequestException>(failed.Error).Message);
        fake.Advance(TimeSpan.FromMinutes(1));
        await fake.ExpectNoRequestAsync();
        Assert.Single(fake.Requests);
        Assert.Single(fake.UnexpectedRequests);
    }

    [Fact]
    public async Task A_restart_answers_each_open_request_once_and_a_late_reply_of_the_old_incarnation_answers_nobody()
    {
        var fake = new FakeSession(this);
        fake.When(HttpMethod.Get, "/slow").ReplyText(200, "slow").After(TimeSpan.FromSeconds(10));
        fake.When(HttpMethod.Get, "/later").ReplyText(200, "later").After(TimeSpan.FromSeconds(20));
        var slow = CreateTestProbe();
        var poisoned = CreateTestProbe();
        var later = CreateTestProbe();

        fake.Actor.Tell(Get("/slow", "slow"), slow);
        await fake.ExpectRequestAsync(HttpMethod.Get, "/slow");
        // Headers that throw while the session validates them: the session fails on this message and restarts.
        fake.Actor.Tell(Get("/x", "poisoned") with { Headers = new ThrowingHeaders() }, poisoned);

        Assert.IsType<SessionStoppedException>((await slow.ExpectMsgAsync<RequestFailed>()).Error);
        var failed = await poisoned.ExpectMsgAsync<RequestFailed>();
        Assert.Equal("poisoned", failed.CorrelationId);
        Assert.Contains("the session restarted", Assert.IsType<SessionStoppedException>(failed.Error).Message);

        fake.Actor.Tell(Get("/later", "later"), later);      // the restarted session takes new requests
        await fake.ExpectRequestAsync(HttpMethod.Get, "/later");
        fake.Advance(TimeSpan.FromSeconds(10));              // the old incarnation's reply to /slow arrives now
        await fake.GetStatsAsync();
        await later.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        await slow.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        fake.Advance(TimeSpan.FromSeconds(10));

        var response = await later.ExpectMsgAsync<OpenStackResponse>();
        Assert.Equal(("later", "later"), (response.Text(), response.CorrelationId));
        await later.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task The_session_renews_a_token_before_it_expires_and_the_cloud_refuses_it_after()
    {
        var settings = SessionSettings.Default with { RenewJitter = TimeSpan.Zero };   // renewal exactly two minutes before expiry
        var fake = new FakeSession(this, new FakeSessionOptions { Settings = settings, TokenLifetime = TimeSpan.FromHours(1) });
        fake.When(HttpMethod.Get, "/a").Reply(200);
        var start = fake.Now;
        Assert.Equal("fake-token-1", (await fake.Session.GetAccessAsync()).Token.Value);

        fake.Advance(TimeSpan.FromMinutes(57));
        await fake.Session.SendAsync(Get("/a"));
        Assert.Equal(1, fake.Authentications);
        await EventFilter.Debug(contains: "New token generation").ExpectOneAsync(() =>
        {
            fake.Advance(TimeSpan.FromMinutes(1));
            return Task.CompletedTask;
        });

        var renewed = await fake.Session.GetAccessAsync();
        Assert.Equal("fake-token-2", renewed.Token.Value);
        Assert.Equal(start + TimeSpan.FromMinutes(58) + TimeSpan.FromHours(1), renewed.ExpiresAt);
        await fake.Session.SendAsync(Get("/a"));
        Assert.Equal(["fake-token-1", "fake-token-2"], fake.Requests.Select(r => r.Token));
        Assert.Equal(0, (await fake.GetStatsAsync()).Reauthentications);
    }

    [Fact]
    public async Task A_token_request_slower_than_the_auth_timeout_fails_as_a_Keystone_timeout()
    {
        var settings = SessionSettings.Default with { MaxAttempts = 1 };
        var fake = new FakeSession(this, new FakeSessionOptions { Settings = settings, AuthDelay = TimeSpan.FromMinutes(1) });
        fake.When(HttpMethod.Get, "/a").Reply(200);

        fake.Actor.Tell(Get("/a"), TestActor);
        await fake.ExpectAuthenticationAsync();
        fake.Advance(settings.AuthTimeout - TimeSpan.FromSeconds(1));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        fake.Advance(TimeSpan.FromSeconds(1));

        var timeout = Assert.IsType<RequestTimeoutException>((await ExpectMsgAsync<RequestFailed>()).Error);
        Assert.Equal($"POST {KeystoneFixtures.AuthUrl.TrimEnd('/')}/auth/tokens timed out after 30 s", timeout.Message);
        Assert.Empty(fake.Requests);                          // nothing was sent without a token
    }

    [Fact]
    public async Task An_attempt_whose_headers_the_session_replaced_is_still_recorded_with_its_request_and_sender()
    {
        var fake = new FakeSession(this);
        fake.When(HttpMethod.Get, "/photos").Reply(204);
        var lister = CreateTestProbe();
        fake.Actor.Tell(Get("/photos", "p"), lister);
        await lister.ExpectMsgAsync<OpenStackResponse>();

        // An attempt as the session sends it when it adds headers of its own (a global request id): a new dictionary.
        var headers = new Dictionary<string, string> { ["X-OpenStack-Request-ID"] = "req-00000000-0000-0000-0000-000000000001" };
        var cloud = await Sys.ActorSelection(fake.Actor.Path / "cloud").ResolveOne(TimeSpan.FromSeconds(3));
        cloud.Tell(new Transport.TransportRequest(99, HttpMethod.Get, new Uri(KeystoneFixtures.SwiftUrl + "/photos"), headers, null, null, false,
            TimeSpan.FromSeconds(30), 0), TestActor);

        Assert.Equal(HttpStatusCode.NoContent, (await ExpectMsgAsync<Transport.TransportResult>()).Response!.Status);
        var attempt = fake.Requests[^1];
        Assert.Equal(("p", lister.Ref), (attempt.Request.CorrelationId, attempt.Sender));
        Assert.Equal("req-00000000-0000-0000-0000-000000000001", attempt.Header("x-openstack-request-id"));
    }

    private sealed class ThrowingHeaders : IReadOnlyDictionary<string, string>
    {
        public string this[string key] => throw new InvalidOperationException("poisoned headers");
        public IEnumerable<string> Keys => throw new InvalidOperationException("poisoned headers");
        public IEnumerable<string> Values => throw new InvalidOperationException("poisoned headers");
        public int Count => 1;
        public bool ContainsKey(string key) => throw new InvalidOperationException("poisoned headers");
        public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value) => throw new InvalidOperationException("poisoned headers");
        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => throw new InvalidOperationException("poisoned headers");
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
