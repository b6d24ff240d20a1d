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
/// A scriptable fake of the OpenStack session for testing your own actors: hand <see cref="Actor"/> (or the facade
/// <see cref="Session"/>) to the code under test where it expects the SessionActor, script replies with
/// <see cref="When(HttpMethod?, UrlPattern)"/>, assert on what was sent with <see cref="ExpectRequestAsync(HttpMethod?, UrlPattern, TimeSpan?, CancellationToken)"/>,
/// and finish with <see cref="Verify"/>.
/// </summary>
/// <remarks>
/// <para><b>What a scripted reply is.</b> A reply from <see cref="When(HttpMethod?, UrlPattern)"/> is what the session
/// answers the caller, after its own retries and reauthentication: <c>Reply(503)</c> reaches your actor as
/// <see cref="RequestFailed"/> with a 503 <see cref="HttpErrorException"/> (with raise-on-error on, the default;
/// otherwise as an <see cref="OpenStackResponse"/> with status 503). That is what lets you test your own retry logic.</para>
/// <para><b>Scenarios</b> (<see cref="UnauthorizedStorm"/>, <see cref="Throttle"/>, <see cref="ServerFailures"/>,
/// <see cref="ConnectionFailures"/>) are conditions of the cloud <i>behind</i> the session: the fake plays them through
/// the real session's policy (one reauthentication per request on 401; retries of idempotent requests with exponential
/// backoff and Retry-After, up to the configured attempts), with every wait on the scheduler. Your actor sees only the
/// outcome: a late success, or the error once the session gives up.</para>
/// <para><b>Virtual time.</b> Delays (<see cref="SessionReplyBuilder.After"/>, <see cref="FakeSessionOptions.AuthDelay"/>,
/// retries) and token expiry use the ActorSystem's scheduler. Configure the system with
/// <see cref="OpenStackTestConfig.VirtualTime"/> and move time with <see cref="Advance"/>.</para>
/// <para><b>Unexpected requests</b> (no rule matches) are answered at once with <see cref="RequestFailed"/> carrying an
/// <see cref="UnexpectedRequestException"/>, recorded in <see cref="UnexpectedRequests"/>, and make
/// <see cref="VerifyNoUnexpectedRequests"/> and <see cref="Verify"/> throw; with
/// <see cref="FakeSessionOptions.ReportUnexpectedToTestActor"/> they are also sent to the TestActor.</para>
/// <para>Thread-safe: script and assert from the test while the actor runs.</para>
/// </remarks>
public sealed class FakeSession
{
    private static readonly TimeSpan DefaultExpectTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan DefaultNoRequestWait = TimeSpan.FromMilliseconds(300);

    private readonly FakeSessionState _state;
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
        _state = new FakeSessionState(Options.Catalog ?? CatalogBuilder.Default().Build());
    }

    /// <summary>The options the fake was created with (settings, catalog, token lifetime).</summary>
    public FakeSessionOptions Options { get; }

    /// <summary>True once the actor runs.</summary>
    public bool IsStarted
    {
        get { lock (_startGate) return _actor is not null; }
    }

    /// <summary>The fake session actor: give it to the code under test instead of the SessionActor.</summary>
    public IActorRef Actor => Started().Actor;

    /// <summary>The system the fake runs in.</summary>
    public ActorSystem System => Started().System;

    /// <summary>The settings the fake mirrors.</summary>
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
            _settings = Options.Settings ?? SessionSettings.Create(system);
            var props = FakeSessionActor.Props(_state, _settings, Options, reportTo);
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

    /// <summary>The fake's counters (pending requests, reauthentications, token generation). Also a barrier: the answer
    /// comes after the fake has handled everything sent to it before, such as timers that <see cref="Advance"/> fired, so a
    /// test can advance again knowing the follow-up timers are in place.</summary>
    public Task<SessionStats> GetStatsAsync(CancellationToken cancellationToken = default) =>
        Actor.Ask<SessionStats>(GetSessionStats.Instance, _expectTimeout, cancellationToken);

    /// <summary>Advances virtual time (the TestScheduler's <c>Advance</c>): due timers fire, here and in your actors.</summary>
    /// <exception cref="InvalidOperationException">The system does not run the TestScheduler.</exception>
    public void Advance(TimeSpan by)
    {
        if (System.Scheduler is not TestScheduler scheduler)
            throw new InvalidOperationException(
                $"Advance needs virtual time: configure the system with OpenStackTestConfig.VirtualTime ({OpenStackTestConfig.VirtualTime.Trim()}); it runs {System.Scheduler.GetType().Name}");
        scheduler.Advance(by);
    }

    // ---- scripting ------------------------------------------------------------------------------------------

    /// <summary>Scripts replies to requests with this method (null: any) and url; rules are tried in declaration order.</summary>
    /// <example><code>
    /// fake.When(HttpMethod.Get, "/?format=json").Reply(503).Then.ReplyJson(new[] { new { name = "photos" } });
    /// fake.When(HttpMethod.Put, "/photos/*").ForService("object-store").Reply(201).After(TimeSpan.FromSeconds(2));
    /// </code></example>
    public SessionReplyBuilder When(HttpMethod? method, UrlPattern url) => When(RequestMatcher.For(method, url));

    /// <summary>Scripts replies to requests the matcher accepts.</summary>
    public SessionReplyBuilder When(RequestMatcher matcher) => new(_state.Gate, _state.AddRule(matcher));

    /// <summary>
    /// A 401 storm: the next <paramref name="rejectedAttempts"/> attempts are refused with 401. Played through the real
    /// session's policy: a request whose token is refused gets a new token (a reauthentication, a new generation, after
    /// <see cref="FakeSessionOptions.AuthDelay"/>) and is sent once more; if that is refused too, your actor gets
    /// <see cref="HttpErrorException"/> 401. So one rejection is invisible to the caller (only <see cref="SessionStats"/>
    /// shows it), and two in a row reach it. To hand your actor a 401 directly, script <c>Reply(401)</c> instead.
    /// </summary>
    public void UnauthorizedStorm(int rejectedAttempts) => ServerFailures(rejectedAttempts, 401);

    /// <summary>
    /// Rate limiting: the next <paramref name="rejectedAttempts"/> attempts get 429 with <c>Retry-After</c>. The session
    /// retries idempotent requests after Retry-After (virtual time) up to its max attempts; once they are used up your actor
    /// gets <see cref="HttpErrorException"/> 429 whose <see cref="HttpErrorException.Response"/> carries the Retry-After header.
    /// With <c>MaxAttempts = 1</c> (settings or <see cref="RequestOptions"/>) the first 429 goes straight to your actor.
    /// To hand your actor a 429 regardless, script <c>ReplyTooManyRequests(retryAfter)</c>.
    /// </summary>
    public void Throttle(int rejectedAttempts, TimeSpan retryAfter) => ServerFailures(rejectedAttempts, 429, retryAfter);

    /// <summary>The next <paramref name="attempts"/> attempts get <paramref name="status"/> from the cloud, played through
    /// the session's retry policy (retriable statuses, idempotency, attempts, backoff cap or Retry-After on the scheduler).</summary>
    public void ServerFailures(int attempts, int status = 503, TimeSpan? retryAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        _state.AddConditions(attempts, new ServerCondition(status, retryAfter));
    }

    /// <summary>The next <paramref name="attempts"/> attempts cannot connect: retried like the real session (idempotent
    /// requests, with backoff), else your actor gets <see cref="ConnectionFailedException"/>.</summary>
    public void ConnectionFailures(int attempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        _state.AddConditions(attempts, new ServerCondition(null, null));
    }

    /// <summary>The current token expires now: the next request or <c>GetAccess</c> gets a new generation.
    /// (Tokens also expire by themselves after <see cref="FakeSessionOptions.TokenLifetime"/> of virtual time.)</summary>
    public void ExpireToken() => _state.InvalidateToken();

    /// <summary>From now on new tokens are refused with <paramref name="error"/> (default: an
    /// <see cref="AuthenticationFailedException"/> 401): requests that need one fail with it and <c>GetAccess</c> gets
    /// <see cref="AccessDenied"/>. A token still valid keeps working, as with the real session.</summary>
    public void FailAuthentication(OpenStackException? error = null) =>
        _state.AuthFailure = error ?? new AuthenticationFailedException(
            $"Keystone at {Options.AuthUrl} refused the credentials: 401 The request you have made requires authentication.", HttpStatusCode.Unauthorized);

    /// <summary>Tokens are issued again.</summary>
    public void RestoreAuthentication() => _state.AuthFailure = null;

    /// <summary>Replaces the catalog; the current token is replaced too (a new generation), as a catalog comes with a token.</summary>
    public void UseCatalog(ServiceCatalog catalog) => _state.UseCatalog(catalog ?? throw new ArgumentNullException(nameof(catalog)));

    /// <summary>Replaces the catalog with a built one.</summary>
    public void UseCatalog(CatalogBuilder catalog) => UseCatalog(catalog.Build());

    /// <summary>The catalog relative urls resolve against.</summary>
    public ServiceCatalog Catalog => _state.Catalog;

    // ---- assertions -----------------------------------------------------------------------------------------

    /// <summary>Every request received so far, in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _state.Requests;

    /// <summary>The requests no rule matched, with the reason.</summary>
    public IReadOnlyList<UnexpectedRequest> UnexpectedRequests => _state.Unexpected;

    /// <summary>Waits for a request with this method (null: any) and url that no earlier <c>ExpectRequestAsync</c> returned,
    /// already received or still to come, and returns it for asserts on headers and body. Other requests in between are
    /// no failure (check those with <see cref="Requests"/> or <see cref="ExpectNoRequestAsync"/>).</summary>
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

    /// <summary>Asserts that no request arrives within <paramref name="duration"/> of real time (default 300 ms, dilated).
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
