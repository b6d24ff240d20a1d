using System.Net;
using System.Text;
using Akka.Actor;
using Akka.TestKit;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.TestKit;

/// <summary>
/// The real OpenStack session over a scripted cloud, for testing your own actors: hand <see cref="Actor"/> (or the facade
/// <see cref="Session"/>) to the code under test where it expects the SessionActor, script what the cloud answers with
/// <see cref="When(HttpMethod?, UrlPattern)"/>, assert on what was sent with <see cref="ExpectRequestAsync(HttpMethod?, UrlPattern, TimeSpan?, CancellationToken)"/>,
/// and finish with <see cref="Verify"/>.
/// </summary>
/// <remarks>
/// <para><b>What runs.</b> <see cref="Actor"/> leads to a real <see cref="SessionActor"/> with its real
/// <see cref="AuthenticatorActor"/>, whose transport is a scripted cloud and whose authenticator is a scripted Keystone
/// (tokens <c>fake-token-1</c>, <c>-2</c>... with the canned catalog, valid for <see cref="FakeSessionOptions.TokenLifetime"/>).
/// So validation, endpoint resolution, token handling, the one reauthentication on 401, retries, Retry-After, timeouts,
/// circuit breakers, redaction and the exactly-one-reply rule are the product's own code.</para>
/// <para><b>What a scripted reply is.</b> What the cloud answers one attempt, at the transport: the session then does what
/// it does with it. <c>Reply(503)</c> is retried (idempotent requests, up to the settings' max attempts, with the backoff on
/// the scheduler) and reaches your actor as a 503 <see cref="HttpErrorException"/> only when the retries are used up; a 401
/// makes the session reauthenticate once and send again. To hand failures straight to your actor, run the fake with
/// <c>Settings = SessionSettings.Default with { MaxAttempts = 1 }</c> (no retries; a 401 is still reauthenticated once,
/// so script it twice to see it).</para>
/// <para><b>Virtual time.</b> Delays (<see cref="SessionReplyBuilder.After"/>, <see cref="FakeSessionOptions.AuthDelay"/>),
/// retries, timeouts and token lifetimes use the ActorSystem's scheduler. Configure the system with
/// <see cref="OpenStackTestConfig.VirtualTime"/> and move time with <see cref="Advance"/>, after waiting for what must
/// have happened first: <see cref="ExpectRequestAsync(HttpMethod?, UrlPattern, TimeSpan?, CancellationToken)"/> returns
/// once the attempt's reply is on the scheduler or handled by the session (its retry timer set), and
/// <see cref="ExpectAuthenticationAsync"/> once a token request's delay is on the scheduler.</para>
/// <para><b>Unexpected requests</b> (no rule matches) are answered at once with <see cref="UnexpectedRequestException"/>,
/// which the session does not retry and hands to the caller in a <see cref="RequestFailed"/>; they are recorded in
/// <see cref="UnexpectedRequests"/> and make <see cref="VerifyNoUnexpectedRequests"/> and <see cref="Verify"/> throw; with
/// <see cref="FakeSessionOptions.ReportUnexpectedToTestActor"/> they are also sent to the TestActor.</para>
/// <para>Thread-safe: script and assert from the test while the actors run.</para>
/// </remarks>
public sealed partial class FakeSession
{
    private static readonly TimeSpan DefaultExpectTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan DefaultNoRequestWait = TimeSpan.FromMilliseconds(300);

    private readonly FakeSessionState _state = new();
    private readonly FakeKeystone _keystone;
    private readonly object _startGate = new();
    private TimeSpan _expectTimeout = DefaultExpectTimeout;
    private TimeSpan _noRequestWait = DefaultNoRequestWait;
    private ActorSystem? _system;
    private IActorRef? _actor;
    private SessionSettings? _settings;

    /// <summary>Creates the fake in the TestKit's system; expectations use the TestKit's (dilated) default timeouts.</summary>
    public FakeSession(TestKitBase testKit, FakeSessionOptions? options = null) : this(options)
    {
        _expectTimeout = testKit.Dilated(testKit.TestKitSettings.SingleExpectDefault);
        _noRequestWait = testKit.Dilated(DefaultNoRequestWait);
        Start(testKit.Sys, Options.ReportUnexpectedToTestActor ? testKit.TestActor : null);
    }

    /// <summary>Creates the fake in any ActorSystem.</summary>
    public FakeSession(ActorSystem system, FakeSessionOptions? options = null) : this(options) => Start(system, null);

    /// <summary>Creates the fake without an actor yet: script it now, then <see cref="Start(ActorSystem)"/> it or hand it to
    /// <see cref="FakeSessionHostingExtensions.WithFakeOpenStackSession(Akka.Hosting.AkkaConfigurationBuilder, FakeSession)"/>.</summary>
    public FakeSession(FakeSessionOptions? options = null)
    {
        Options = options ?? new FakeSessionOptions();
        _keystone = new FakeKeystone(Options.Catalog ?? CatalogBuilder.Default().Build(), Options);
    }

    /// <summary>The options the fake was created with (settings, catalog, token lifetime).</summary>
    public FakeSessionOptions Options { get; }

    /// <summary>True once the actor runs.</summary>
    public bool IsStarted
    {
        get { lock (_startGate) return _actor is not null; }
    }

    /// <summary>The session: give it to the code under test instead of the SessionActor. Messages go on to the real
    /// SessionActor (a child of this actor, the sender kept); stopping it stops the session.</summary>
    public IActorRef Actor => Started().Actor;

    /// <summary>The system the fake runs in.</summary>
    public ActorSystem System => Started().System;

    /// <summary>The settings the session runs with.</summary>
    public SessionSettings Settings => Started().Settings;

    /// <summary>The Task facade over the fake, for code under test that takes an <see cref="OpenStackSession"/>.</summary>
    public OpenStackSession Session => new(Actor, Settings);

    /// <summary>The scheduler's time (virtual under the TestScheduler).</summary>
    public DateTimeOffset Now => System.Scheduler.Now;

    /// <summary>Starts the actor in <paramref name="system"/>.</summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public void Start(ActorSystem system) => Start(system, null);

    private void Start(ActorSystem system, IActorRef? reportTo)
    {
        lock (_startGate)
        {
            if (_actor is not null) throw new InvalidOperationException("This FakeSession is started already");
            var settings = _settings = Options.Settings ?? SessionSettings.Create(system);
            var authenticator = new ScriptedAuthenticator(_keystone, system.Scheduler, Options);
            var jitter = Options.RetryJitter;
            var props = FakeSessionFront.Props(_state, FakeCloudActor.Props(_state, _keystone, reportTo),
                cloud => SessionActor.Props(authenticator, settings, new NoNetworkHandler(), cloud, jitter));
            _actor = Options.Name is null ? system.ActorOf(props) : system.ActorOf(props, Options.Name);
            _system = system;
        }
    }

    private (IActorRef Actor, ActorSystem System, SessionSettings Settings) Started()
    {
        lock (_startGate)
            return _actor is null
                ? throw new InvalidOperationException("The FakeSession is not started: create it with a TestKit or ActorSystem, or call Start")
                : (_actor, _system!, _settings!);
    }

    /// <summary>The session's counters (pending requests, reauthentications, token generation). Also a barrier: the answer
    /// comes after the session has handled every reply the cloud sent before, such as delayed replies that
    /// <see cref="Advance"/> released, so a test can advance again knowing the session's retry timers are in place.</summary>
    public Task<SessionStats> GetStatsAsync(CancellationToken cancellationToken = default) =>
        Actor.Ask<SessionStats>(new StatsBarrier(null), _expectTimeout, cancellationToken);

    /// <summary>Advances virtual time (the TestScheduler's <c>Advance</c>): due timers fire, here and in your actors.</summary>
    /// <exception cref="InvalidOperationException">The system does not run the TestScheduler.</exception>
    public void Advance(TimeSpan by)
    {
        if (System.Scheduler is not TestScheduler scheduler)
            throw new InvalidOperationException(
                $"Advance needs virtual time: configure the system with OpenStackTestConfig.VirtualTime ({OpenStackTestConfig.VirtualTime.Trim()}); it runs {System.Scheduler.GetType().Name}");
        scheduler.Advance(by);
    }

    // ---- assertions -----------------------------------------------------------------------------------------

    /// <summary>Every attempt that reached the cloud so far, in order: a request the session retried, or sent again after
    /// a reauthentication, is here once per attempt; a request the session answered without sending is not.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _state.Requests;

    /// <summary>The attempts no rule matched, with the reason.</summary>
    public IReadOnlyList<UnexpectedRequest> UnexpectedRequests => _state.Unexpected;

    /// <summary>Waits for an attempt with this method (null: any) and url that no earlier <c>ExpectRequestAsync</c> returned,
    /// already received or still to come, and returns it for asserts on headers, token and body. It returns once the
    /// attempt is settled: a delayed reply is on the scheduler, an immediate one has been handled by the session (a retry
    /// timer set, a reauthentication asked for, or the caller answered), so the test can advance virtual time right after.
    /// Other attempts in between are no failure (check those with <see cref="Requests"/> or <see cref="ExpectNoRequestAsync"/>).</summary>
    /// <param name="method">The method, or null for any.</param>
    /// <param name="url">The url pattern.</param>
    /// <param name="timeout">Real time to wait; null takes the TestKit's single-expect default (3 s).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="FakeAssertionException">No such request came in time.</exception>
    public Task<RecordedRequest> ExpectRequestAsync(HttpMethod? method, UrlPattern url, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        ExpectRequestAsync(RequestMatcher.For(method, url), timeout, cancellationToken);

    /// <summary>Waits for a request the matcher accepts (see <see cref="ExpectRequestAsync(HttpMethod?, UrlPattern, TimeSpan?, CancellationToken)"/>).</summary>
    /// <exception cref="FakeAssertionException">No such request came in time.</exception>
    public async Task<RecordedRequest> ExpectRequestAsync(RequestMatcher matcher, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var (found, waiter) = _state.ClaimOrWait(matcher.Matches);
        if (found is not null) return found;
        var wait = timeout ?? _expectTimeout;
        try
        {
            return await waiter!.Done.Task.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _state.Cancel(waiter!);
            throw new FakeAssertionException($"FakeSession: expected a request {matcher} within {wait.TotalSeconds:0.###} s, but none came.\n{DescribeRequests()}");
        }
        catch (OperationCanceledException)
        {
            _state.Cancel(waiter!);
            throw;
        }
    }

    /// <summary>Asserts that no attempt reaches the cloud within <paramref name="duration"/> of real time (default 300 ms, dilated).
    /// Under virtual time, call it after <see cref="Advance"/> to check that nothing was sent in the advanced span.</summary>
    /// <exception cref="FakeAssertionException">A request arrived.</exception>
    public async Task ExpectNoRequestAsync(TimeSpan? duration = null, CancellationToken cancellationToken = default)
    {
        var waiter = _state.WaitForAny();
        try
        {
            var request = await waiter.Done.Task.WaitAsync(duration ?? _noRequestWait, cancellationToken).ConfigureAwait(false);
            throw new FakeAssertionException($"FakeSession: expected no request, but received {request}");
        }
        catch (TimeoutException)
        {
            // nothing came: as expected
        }
        finally
        {
            _state.Cancel(waiter);
        }
    }

    /// <summary>Throws when any request matched no rule.</summary>
    /// <exception cref="FakeAssertionException">Lists the unexpected requests and the rules.</exception>
    public void VerifyNoUnexpectedRequests()
    {
        var unexpected = UnexpectedRequests;
        if (unexpected.Count == 0) return;
        throw new FakeAssertionException(
            $"FakeSession received {unexpected.Count} unexpected request(s):\n{string.Join("\n", unexpected.Select(u => "  " + u.Request))}\nScripted rules:\n{_state.DescribeRules()}");
    }

    /// <summary>Throws when any request matched no rule, or a reply scripted a fixed number of times (<c>Times(n)</c>, or a
    /// step followed by another) was not used that often.</summary>
    /// <exception cref="FakeAssertionException">Lists what went wrong.</exception>
    public void Verify()
    {
        var problems = new StringBuilder();
        var unexpected = UnexpectedRequests;
        if (unexpected.Count > 0)
            problems.Append($"{unexpected.Count} unexpected request(s):\n{string.Join("\n", unexpected.Select(u => "  " + u.Request))}\n");
        var unmet = _state.UnmetSteps();
        if (unmet.Count > 0) problems.Append($"Scripted replies not used up:\n{string.Join("\n", unmet.Select(u => "  " + u))}\n");
        if (problems.Length == 0) return;
        throw new FakeAssertionException($"FakeSession verification failed:\n{problems}Scripted rules:\n{_state.DescribeRules()}");
    }

    private string DescribeRequests()
    {
        var requests = Requests;
        return requests.Count == 0
            ? "No request was received."
            : $"Received ({requests.Count}):\n{string.Join("\n", requests.Select(r => "  " + r))}";
    }
}
