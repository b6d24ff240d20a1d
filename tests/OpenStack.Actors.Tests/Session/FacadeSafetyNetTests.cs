using Akka.TestKit.Xunit2;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using Xunit;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.Session;

/// <summary>The Task facade's own limit: a caller gets an answer even from a session that never replies (it was stopped
/// before the request reached it, or it is broken), and a cancelled call ends at once. Real time: the facade's limit
/// is checked by a process-wide timer each second.</summary>
public sealed class FacadeSafetyNetTests : TestKit
{
    private static readonly SessionSettings Short = SessionSettings.Default with
    {
        RequestTimeout = TimeSpan.FromMilliseconds(100), AuthTimeout = TimeSpan.FromMilliseconds(100), ReplyGrace = TimeSpan.FromMilliseconds(100),
        MaxAttempts = 1, MaxBackoff = TimeSpan.Zero,
    };

    [Fact]
    public async Task A_session_that_never_answers_gives_the_caller_a_timeout_once_the_longest_reply_time_has_passed()
    {
        var silent = CreateTestProbe();
        var session = new OpenStackSession(silent.Ref, Short);
        var started = DateTime.UtcNow;
        var call = session.GetAsync("/x", ServiceFilter.ObjectStore);
        await silent.ExpectMsgAsync<OpenStackRequest>();
        var e = await Assert.ThrowsAsync<RequestTimeoutException>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("no answer from the session", e.Message);
        // Not before the limit (less a clock tick: the limit is kept with Environment.TickCount64, this with the wall clock).
        Assert.True(DateTime.UtcNow - started >= Short.MaxReplyTime() - TimeSpan.FromMilliseconds(20), "not before the limit");
        // The reply that comes after all is dropped (a response would be disposed), not delivered twice.
        silent.Reply(new RequestFailed(new OpenStackException("late")));
        Assert.IsType<RequestTimeoutException>(call.Exception!.InnerException);
    }

    [Fact]
    public async Task A_cancelled_call_ends_at_once_and_an_answer_before_the_limit_is_the_result()
    {
        var session = new OpenStackSession(TestActor, SessionSettings.Default);
        using var cancel = new CancellationTokenSource();
        var cancelled = session.GetAsync("/a", ServiceFilter.ObjectStore, cancellationToken: cancel.Token);
        await ExpectMsgAsync<OpenStackRequest>();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(5)));

        var answered = session.GetAsync("/b", ServiceFilter.ObjectStore);
        await ExpectMsgAsync<OpenStackRequest>();
        LastSender.Tell(new RequestFailed(new EndpointNotFoundException(ServiceFilter.ObjectStore, [])), TestActor);
        await Assert.ThrowsAsync<EndpointNotFoundException>(() => answered.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
