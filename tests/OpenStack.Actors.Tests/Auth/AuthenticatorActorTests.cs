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

namespace OpenStack.Actors.Tests.Auth;

/// <summary>An authenticator whose answers the test controls, with expiries on the virtual clock.</summary>
internal sealed class ScriptedAuthenticator(Func<DateTimeOffset> now, TimeSpan life) : IAuthenticator
{
    private int _calls;
    public int Calls => _calls;
    public TaskCompletionSource<AccessInfo>? Gate { get; set; }
    public string Description => "scripted";

    public Task<AccessInfo> AuthenticateAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _calls);
        var access = new AccessInfo(new AuthToken("tok-" + n), now() + life, ServiceCatalog.SingleEndpoint(new Uri("http://x.test")), "scripted");
        if (Gate is { } gate)
        {
            Gate = null;
            return gate.Task.ContinueWith(_ => access, TaskScheduler.Default);
        }
        return Task.FromResult(access);
    }
}

public sealed class AuthenticatorActorTests() : TestKit(TestConfigs.VirtualTime)
{
    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;
    private readonly HttpClient _http = new();

    private static SessionSettings Settings => SessionSettings.Default with { RenewBeforeExpiry = TimeSpan.FromSeconds(120), RenewJitter = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Renews_in_the_background_before_expiry_while_callers_keep_getting_the_current_token()
    {
        var auth = new ScriptedAuthenticator(() => Scheduler.Now, TimeSpan.FromMinutes(10));
        var actor = Sys.ActorOf(AuthenticatorActor.Props(auth, _http, Settings.Token));
        actor.Tell(GetAccess.Instance);
        var first = (await ExpectMsgAsync<AccessGranted>()).Access;
        Assert.Equal("tok-1", first.Token.Value);

        // Renewal is due between 10 min - 120 s - 10 s and 10 min - 120 s; hold it open to show nobody waits on it.
        var gate = new TaskCompletionSource<AccessInfo>();
        auth.Gate = gate;
        Scheduler.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(131));
        Assert.Equal(1, auth.Calls);
        Scheduler.Advance(TimeSpan.FromSeconds(12));
        await AwaitConditionAsync(() => Task.FromResult(auth.Calls == 2));

        actor.Tell(GetAccess.Instance);
        Assert.Equal("tok-1", (await ExpectMsgAsync<AccessGranted>()).Access.Token.Value);

        gate.SetResult(first);
        await AwaitAssertAsync(async () =>
        {
            actor.Tell(GetAccess.Instance);
            var current = (await ExpectMsgAsync<AccessGranted>()).Access;
            Assert.Equal("tok-2", current.Token.Value);
            Assert.True(current.Generation > first.Generation);
        });
        Assert.Equal(2, auth.Calls);
    }

    [Fact]
    public async Task Many_callers_during_a_fetch_share_one_keystone_request()
    {
        var auth = new ScriptedAuthenticator(() => Scheduler.Now, TimeSpan.FromHours(1)) { Gate = new TaskCompletionSource<AccessInfo>() };
        var gate = auth.Gate!;
        var actor = Sys.ActorOf(AuthenticatorActor.Props(auth, _http, Settings.Token));

        for (var i = 0; i < 50; i++) actor.Tell(GetAccess.Instance);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        gate.SetResult(null!);

        for (var i = 0; i < 50; i++) Assert.Equal("tok-1", (await ExpectMsgAsync<AccessGranted>()).Access.Token.Value);
        Assert.Equal(1, auth.Calls);
    }

    [Fact]
    public async Task A_rejected_token_restarts_the_authenticator_once_per_generation()
    {
        var auth = new ScriptedAuthenticator(() => Scheduler.Now, TimeSpan.FromHours(1));
        var parent = CreateTestProbe();
        var actor = parent.ChildActorOf(AuthenticatorActor.Props(auth, _http, Settings.Token), new OneForOneStrategy(_ => Directive.Restart));
        actor.Tell(GetAccess.Instance);
        var first = (await ExpectMsgAsync<AccessGranted>()).Access;

        for (var i = 0; i < 10; i++) actor.Tell(new TokenRejected(first.Generation));
        actor.Tell(GetAccess.Instance);

        var second = (await ExpectMsgAsync<AccessGranted>()).Access;
        Assert.Equal("tok-2", second.Token.Value);
        Assert.Equal(2, auth.Calls);
        actor.Tell(new TokenRejected(first.Generation));
        actor.Tell(GetAccess.Instance);
        Assert.Equal("tok-2", (await ExpectMsgAsync<AccessGranted>()).Access.Token.Value);
    }

    [Fact]
    public async Task An_expired_token_is_never_handed_out()
    {
        var auth = new ScriptedAuthenticator(() => Scheduler.Now, TimeSpan.FromSeconds(60));
        var actor = Sys.ActorOf(AuthenticatorActor.Props(auth, _http, (Settings with { RenewBeforeExpiry = TimeSpan.Zero, RenewJitter = TimeSpan.Zero }).Token));
        actor.Tell(GetAccess.Instance);
        await ExpectMsgAsync<AccessGranted>();

        auth.Gate = new TaskCompletionSource<AccessInfo>();
        var gate = auth.Gate;
        Scheduler.Advance(TimeSpan.FromSeconds(58));  // inside the 5 s safety margin; the renewal (at 60 s) has not started
        actor.Tell(GetAccess.Instance);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        gate.SetResult(null!);

        Assert.Equal("tok-2", (await ExpectMsgAsync<AccessGranted>()).Access.Token.Value);
    }

    private sealed class FailingAuthenticator : IAuthenticator
    {
        private int _calls;
        public int Calls => _calls;
        public string Description => "failing";

        public Task<AccessInfo> AuthenticateAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromException<AccessInfo>(new ConnectionFailedException("POST http://keystone.test/v3/auth/tokens: connection refused"));
        }
    }

    [Fact]
    public async Task A_keystone_outage_is_answered_from_memory_with_a_doubling_backoff()
    {
        var auth = new FailingAuthenticator();
        var actor = Sys.ActorOf(AuthenticatorActor.Props(auth, _http, (Settings with
        {
            AuthOutageMinBackoff = TimeSpan.FromSeconds(2), AuthOutageMaxBackoff = TimeSpan.FromSeconds(8), TokenMinInterval = TimeSpan.Zero,
        }).Token));

        async Task<int> CallsAfterAsking()
        {
            actor.Tell(GetAccess.Instance);
            Assert.IsType<ConnectionFailedException>((await ExpectMsgAsync<AccessDenied>()).Error);
            return auth.Calls;
        }

        Assert.Equal(1, await CallsAfterAsking());
        actor.Tell(GetAccess.Instance);
        Assert.Equal(TimeSpan.FromSeconds(2), (await ExpectMsgAsync<AccessDenied>()).RetryAfter);  // callers learn when asking again is useful
        for (var i = 0; i < 20; i++) Assert.Equal(1, await CallsAfterAsking());   // inside the 2 s backoff: no new request
        Scheduler.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, await CallsAfterAsking());
        Scheduler.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(2, await CallsAfterAsking());                                  // the backoff doubled to 4 s
        Scheduler.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, await CallsAfterAsking());
    }

    [Fact]
    public async Task Token_requests_keep_a_minimum_interval_even_for_short_lived_tokens()
    {
        var auth = new ScriptedAuthenticator(() => Scheduler.Now, TimeSpan.FromSeconds(4));
        var actor = Sys.ActorOf(AuthenticatorActor.Props(auth, _http, (Settings with { TokenMinInterval = TimeSpan.FromSeconds(5) }).Token));
        actor.Tell(GetAccess.Instance);
        Assert.Equal("tok-1", (await ExpectMsgAsync<AccessGranted>()).Access.Token.Value);

        Scheduler.Advance(TimeSpan.FromSeconds(4.5));  // tok-1 expired; its renewal waits for the 5 s interval
        actor.Tell(GetAccess.Instance);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, auth.Calls);
        Scheduler.Advance(TimeSpan.FromSeconds(0.5));

        Assert.Equal("tok-2", (await ExpectMsgAsync<AccessGranted>()).Access.Token.Value);
        Assert.Equal(2, auth.Calls);
    }
}
