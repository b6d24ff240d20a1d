using System.Net;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Http;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Support;
using Xunit;

namespace OpenStack.Actors.Tests.Session;

/// <summary>A success (2xx) goes from the transport straight to the caller, and the session records it after; everything
/// else is still the session's to decide. Whoever answers first claims the one answer.</summary>
public sealed class DirectAnswerTests() : TestKit(TestConfigs.VirtualTime)
{
    private static readonly StaticAuthenticator Static = new("SecretToken", new Uri("http://cloud.example.com:3333"));
    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private static OpenStackRequest Get(string url) => new(HttpMethod.Get, url) { Service = ServiceFilter.ObjectStore };

    [Fact]
    public async Task A_success_reaches_the_caller_with_its_correlation_id_from_the_session_and_the_session_holds_nothing_after()
    {
        var http = new FakeHttp(_ => FakeHttp.Status(HttpStatusCode.Created, "made"));
        var session = Sys.ActorOf(SessionActor.Props(Static, SessionSettings.Default, http));

        for (var i = 0; i < 50; i++)
        {
            session.Tell(Get("/c/" + i) with { CorrelationId = i });
            var response = await ExpectMsgAsync<OpenStackResponse>();
            Assert.Equal(i, response.CorrelationId);
            Assert.Equal("made", response.Text());
            Assert.Equal(session, LastSender);
            // The transport hands the session its record before it answers, so a message sent after the answer finds
            // the request gone from the session.
            session.Tell(GetSessionStats.Instance);
            Assert.Equal(0, (await ExpectMsgAsync<SessionStats>()).Pending);
        }
    }

    [Fact]
    public async Task The_tasks_of_many_successes_complete_each_once()
    {
        var http = new FakeHttp(r => FakeHttp.Status(HttpStatusCode.OK, r.Url.AbsolutePath));
        var settings = SessionSettings.Default;
        var session = new OpenStackSession(Sys.ActorOf(SessionActor.Props(Static, settings, http)), settings);

        var responses = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => session.GetAsync("/c/" + i, ServiceFilter.ObjectStore)));

        Assert.Equal(Enumerable.Range(0, 300).Select(i => "/c/" + i), responses.Select(r => r.Text()));
        Assert.Equal(0, (await session.Actor.Ask<SessionStats>(GetSessionStats.Instance, TimeSpan.FromSeconds(10))).Pending);
    }

    [Fact]
    public async Task A_success_status_configured_as_retriable_goes_through_the_session_and_is_retried()
    {
        var calls = 0;
        var http = new FakeHttp(_ => Interlocked.Increment(ref calls) == 1 ? FakeHttp.Status(HttpStatusCode.Accepted, "later") : FakeHttp.Status(HttpStatusCode.OK, "done"));
        var settings = SessionSettings.Default with
        {
            RetriableStatuses = new HashSet<int> { 202, 503 }, MinBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(1),
        };
        var session = Sys.ActorOf(SessionActor.Props(Static, settings, http));

        await EventFilter.Debug(contains: "Retrying").ExpectOneAsync(() =>
        {
            session.Tell(Get("/c"));
            return Task.CompletedTask;
        });
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        Scheduler.Advance(TimeSpan.FromSeconds(1.1));

        Assert.Equal("done", (await ExpectMsgAsync<OpenStackResponse>()).Text());
        Assert.Equal(2, http.Requests.Count);
    }

    [Fact]
    public async Task A_success_that_comes_after_the_session_gave_up_on_the_request_is_not_a_second_answer()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var http = new FakeHttp(async (_, _) =>
        {
            arrived.TrySetResult();
            await gate.Task;
            return FakeHttp.Status(HttpStatusCode.OK, "late");
        });
        var settings = SessionSettings.Default with { RequestTimeout = TimeSpan.FromSeconds(30), ReplyGrace = TimeSpan.FromSeconds(1) };
        var session = Sys.ActorOf(SessionActor.Props(Static, settings, http));

        session.Tell(Get("/slow"));
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // The transport's own timeout runs on the wall clock; the session's lost-reply deadline on the scheduler's.
        Scheduler.Advance(TimeSpan.FromSeconds(32));
        var failed = await ExpectMsgAsync<RequestFailed>();
        Assert.IsType<RequestTimeoutException>(failed.Error);

        gate.SetResult();
        session.Tell(GetSessionStats.Instance);
        // The late success is neither delivered nor counted as pending: the stats are the next and only message.
        Assert.Equal(0, (await ExpectMsgAsync<SessionStats>()).Pending);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        Assert.Single(http.Requests);
    }
}
