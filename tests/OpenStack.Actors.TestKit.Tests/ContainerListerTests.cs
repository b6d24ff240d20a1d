using System.Net;
using Akka.Actor;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using OpenStack.Actors.TestKit.Tests.Support;
using Xunit;
using OpenStack.Actors.Http;
using AkkaTestKit = Akka.TestKit.Xunit2.TestKit;

namespace OpenStack.Actors.TestKit.Tests;

/// <summary>The main use: a user's own actor tested against scripted session replies, under virtual time.</summary>
public sealed class ContainerListerTests() : AkkaTestKit(OpenStackTestConfig.VirtualTime)
{
    private static readonly object[] TwoContainers = [new { name = "photos", count = 3, bytes = 42 }, new { name = "logs", count = 0, bytes = 0 }];

    /// <summary>The session's own retries off: a scripted 503 or 429 reaches the lister at once.</summary>
    private static readonly FakeSessionOptions NoSessionRetries = new() { Settings = SessionSettings.Default with { MaxAttempts = 1 } };

    [Fact]
    public async Task Retries_after_a_503_on_its_own_timer_without_waiting_real_time()
    {
        var fake = new FakeSession(this, NoSessionRetries);
        fake.When(HttpMethod.Get, "/?format=json").ForService("object-store")
            .Reply(503).Then.ReplyJson(TwoContainers);
        var lister = Sys.ActorOf(ContainerListerActor.Props(fake.Actor, retryDelay: TimeSpan.FromSeconds(10)));

        lister.Tell(ListContainers.Instance, TestActor);

        var retry = await ExpectMsgAsync<RetryScheduled>();
        Assert.Equal(TimeSpan.FromSeconds(10), retry.Delay);
        fake.Advance(TimeSpan.FromSeconds(9));
        await fake.ExpectNoRequestAsync();           // the lister's timer has not fired yet
        fake.Advance(TimeSpan.FromSeconds(1));
        var listed = await ExpectMsgAsync<ContainersListed>();

        Assert.Equal(["photos", "logs"], listed.Names);
        Assert.Equal(2, fake.Requests.Count);
        Assert.Equal(TimeSpan.FromSeconds(10), fake.Requests[1].ReceivedAt - fake.Requests[0].ReceivedAt);
        fake.Verify();
    }

    [Fact]
    public async Task ExpectRequest_returns_what_was_sent_for_asserts_on_headers_service_and_correlation()
    {
        var fake = new FakeSession(this);
        fake.When(HttpMethod.Get, "/?format=json").ReplyJson(TwoContainers);
        var lister = Sys.ActorOf(ContainerListerActor.Props(fake.Actor));

        lister.Tell(ListContainers.Instance, TestActor);

        var sent = await fake.ExpectRequestAsync(HttpMethod.Get, "/?format=json");
        Assert.Equal("application/json", sent.Header("accept"));
        Assert.Equal(ServiceFilter.ObjectStore, sent.Service);
        Assert.Equal(1, sent.Request.CorrelationId);
        Assert.Equal(new Uri(KeystoneFixtures.SwiftUrl + "/?format=json"), sent.ResolvedUrl);
        Assert.Equal(lister, sent.Sender);
        await ExpectMsgAsync<ContainersListed>();
    }

    [Fact]
    public async Task ExpectRequest_captures_bodies_and_patterns_match_relative_or_resolved_urls()
    {
        var fake = new FakeSession(this);
        fake.When(HttpMethod.Put, "/photos/*").Reply(201).WithHeader("Etag", "abc");
        fake.When(HttpMethod.Head, UrlPattern.Prefix(KeystoneFixtures.SwiftUrl + "/photos")).Reply(204).WithHeader("X-Container-Object-Count", "1");

        var put = await fake.Session.PutAsync("photos/cat.txt", RequestBody.FromText("meow"), ServiceFilter.ObjectStore,
            headers: new Dictionary<string, string> { ["X-Object-Meta-Kind"] = "cat" });
        var head = await fake.Session.HeadAsync("/photos", ServiceFilter.ObjectStore);

        Assert.Equal(HttpStatusCode.Created, put.Status);
        Assert.Equal("abc", put.Header("etag"));
        Assert.Equal("1", head.Header("X-Container-Object-Count"));
        var sent = await fake.ExpectRequestAsync(HttpMethod.Put, UrlPattern.Regex("cat\\.txt$"));
        Assert.Equal("meow", sent.BodyText());
        Assert.Equal("text/plain; charset=utf-8", sent.ContentType);
        Assert.Equal("cat", sent.Header("X-Object-Meta-Kind"));
        await fake.ExpectRequestAsync(HttpMethod.Head, "/photos");
    }

    [Fact]
    public async Task ExpectRequest_fails_readably_when_the_request_never_comes()
    {
        var fake = new FakeSession(this);
        fake.When(HttpMethod.Get, "/?format=json").ReplyJson(TwoContainers);
        Sys.ActorOf(ContainerListerActor.Props(fake.Actor)).Tell(ListContainers.Instance, TestActor);
        await ExpectMsgAsync<ContainersListed>();

        var error = await Assert.ThrowsAsync<FakeAssertionException>(
            () => fake.ExpectRequestAsync(HttpMethod.Delete, "/photos", TimeSpan.FromMilliseconds(200)));

        Assert.Contains("expected a request DELETE exact '/photos'", error.Message);
        Assert.Contains("#1 GET /?format=json", error.Message);
    }

    [Fact]
    public async Task A_429_reaches_the_user_actor_which_waits_the_servers_Retry_After()
    {
        var fake = new FakeSession(this, NoSessionRetries);
        fake.When(HttpMethod.Get, "/?format=json").ReplyTooManyRequests(TimeSpan.FromSeconds(30)).Then.ReplyJson(TwoContainers);
        var lister = Sys.ActorOf(ContainerListerActor.Props(fake.Actor));

        lister.Tell(ListContainers.Instance, TestActor);

        Assert.Equal(TimeSpan.FromSeconds(30), (await ExpectMsgAsync<RetryScheduled>()).Delay);
        fake.Advance(TimeSpan.FromSeconds(29));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        fake.Advance(TimeSpan.FromSeconds(1));
        await ExpectMsgAsync<ContainersListed>();
    }

    [Fact]
    public async Task Sequences_with_Times_are_checked_by_Verify()
    {
        var fake = new FakeSession(this, NoSessionRetries);
        fake.When(HttpMethod.Get, "/?format=json").Reply(503).Times(2).Then.ReplyJson(TwoContainers);
        var lister = Sys.ActorOf(ContainerListerActor.Props(fake.Actor, TimeSpan.FromSeconds(5), maxAttempts: 3));

        lister.Tell(ListContainers.Instance, TestActor);
        await ExpectMsgAsync<RetryScheduled>();
        fake.Advance(TimeSpan.FromSeconds(5));
        await ExpectMsgAsync<RetryScheduled>();
        fake.Advance(TimeSpan.FromSeconds(5));
        await ExpectMsgAsync<ContainersListed>();
        fake.Verify();

        fake.When(HttpMethod.Delete, "/photos").Reply(204).Times(2);
        await fake.Session.DeleteAsync("/photos", ServiceFilter.ObjectStore);
        var error = Assert.Throws<FakeAssertionException>(fake.Verify);
        Assert.Contains("204 was used 1 of 2 times", error.Message);
    }

    [Fact]
    public async Task An_unexpected_request_is_answered_with_a_failure_and_fails_the_verification()
    {
        var fake = new FakeSession(this);
        fake.When(HttpMethod.Get, "/photos?format=json").ReplyJson(Array.Empty<object>());
        var lister = Sys.ActorOf(ContainerListerActor.Props(fake.Actor));

        lister.Tell(ListContainers.Instance, TestActor);

        var failed = await ExpectMsgAsync<ListingFailed>();
        Assert.IsType<UnexpectedRequestException>(failed.Error);
        var error = Assert.Throws<FakeAssertionException>(fake.VerifyNoUnexpectedRequests);
        Assert.Contains("#1 GET /?format=json", error.Message);
        Assert.Contains("GET exact '/photos?format=json'", error.Message);   // the rules are listed
        Assert.Throws<FakeAssertionException>(fake.Verify);
    }

    [Fact]
    public async Task Unexpected_requests_can_also_go_to_the_TestActor_so_ExpectNoMsg_style_checks_fail()
    {
        var fake = new FakeSession(this, new FakeSessionOptions { ReportUnexpectedToTestActor = true });
        var requester = CreateTestProbe();

        fake.Actor.Tell(new OpenStackRequest(HttpMethod.Delete, "/everything") { Service = ServiceFilter.ObjectStore, CorrelationId = "c1" }, requester);

        var failed = await requester.ExpectMsgAsync<RequestFailed>();
        Assert.Equal("c1", failed.CorrelationId);
        var reported = await ExpectMsgAsync<UnexpectedRequest>();
        Assert.Equal("/everything", reported.Request.Url);
        Assert.Contains("(none)", reported.Reason);
    }
}
