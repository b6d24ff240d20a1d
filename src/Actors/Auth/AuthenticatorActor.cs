using Akka.Actor;
using Akka.Event;
using Akka.Util;
using OpenStack.Actors.Telemetry;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Auth;

/// <summary>
/// Caches the token and catalog of one identity. One Keystone request at a time however many callers ask
/// (they are stashed while it runs); renews in the background before expiry so callers never wait;
/// numbers tokens by generation so that many rejections of one token cause one reauthentication, which goes
/// through its supervisor: a <see cref="TokenRejected"/> for the current token throws <see cref="StaleTokenException"/>,
/// and the restarted actor fetches a fresh token at once.
/// </summary>
public sealed class AuthenticatorActor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    private const string RenewTimer = "renew";
    private const string FetchTimer = "fetch";
    /// <summary>A token this close to expiry is not handed out any more.</summary>
    private static readonly TimeSpan ExpirySkew = TimeSpan.FromSeconds(5);

    private readonly IAuthenticator _authenticator;
    private readonly HttpClient _http;
    private readonly TokenSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Process-wide, so generations stay unique and increasing across restarts and sessions.</summary>
    private static long s_generation;

    private AccessInfo? _current;
    private object? _fetch;             // identifies the fetch in flight; results of any other are stale
    private bool _backgroundFetch;
    private OpenStackException? _lastFailure;
    private DateTimeOffset _badCredentialsUntil;
    private DateTimeOffset _outageUntil;
    private TimeSpan _outageBackoff;
    private DateTimeOffset _lastFetchStarted = DateTimeOffset.MinValue;

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    public AuthenticatorActor(IAuthenticator authenticator, HttpClient http, TokenSettings settings)
    {
        _authenticator = authenticator;
        _http = http;
        _settings = settings;
        Ready();
    }

    /// <summary>Props for the actor.</summary>
    public static Props Props(IAuthenticator authenticator, HttpClient http, TokenSettings settings) =>
        Akka.Actor.Props.Create(() => new AuthenticatorActor(authenticator, http, settings));

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    private void Ready()
    {
        Receive<GetAccess>(_ =>
        {
            if (_current is not null && IsUsable(_current)) Sender.Tell(new AccessGranted(_current));
            else if (_lastFailure is AuthenticationFailedException refused && Now < _badCredentialsUntil) Sender.Tell(new AccessDenied(refused));
            else if (_lastFailure is { } outage && Now < _outageUntil) Sender.Tell(new AccessDenied(outage) { RetryAfter = _outageUntil - Now });
            else
            {
                Stash.Stash();
                RequestFetch();
            }
        });
        Receive<TokenRejected>(rejected =>
        {
            if (_current is not null && rejected.Generation == _current.Generation)
            {
                _log.Info("Token generation {0} for {1} was rejected: reauthenticating", rejected.Generation, _authenticator.Description);
                throw new StaleTokenException(rejected.Generation);
            }
        });
        Receive<RenewDue>(_ =>
        {
            if (_fetch is null) StartFetch(background: true);
        });
        Receive<FetchCompleted>(OnFetchCompleted);
    }

    private void Fetching()
    {
        Receive<GetAccess>(_ => Stash.Stash());
        Receive<FetchDue>(_ => StartFetch(background: false));
        Receive<TokenRejected>(_ => { });   // the token it names is already gone
        Receive<RenewDue>(_ => { });
        Receive<FetchCompleted>(OnFetchCompleted);
    }

    private void AnsweringFailure()
    {
        // Only the callers that waited for the failed fetch get its error; the marker ends the state after them.
        Receive<GetAccess>(_ => Sender.Tell(new AccessDenied(_lastFailure!) { RetryAfter = _outageUntil > Now ? _outageUntil - Now : null }));
        Receive<FailureAnswered>(_ => Become(Ready));
        Receive<TokenRejected>(_ => { });
        Receive<RenewDue>(_ => { });
    }

    /// <summary>A foreground fetch, at once or when Keystone's minimum interval since the last one has passed.</summary>
    private void RequestFetch()
    {
        var wait = _lastFetchStarted + _settings.MinInterval - Now;
        if (wait <= TimeSpan.Zero)
        {
            StartFetch(background: false);
            return;
        }
        _fetch = FetchDue.Instance; // a fetch is due: background renewals and late results stand aside
        Become(Fetching);
        Timers.StartSingleTimer(FetchTimer, FetchDue.Instance, wait);
    }

    private void StartFetch(bool background)
    {
        _lastFetchStarted = Now;
        var fetch = new object();
        _fetch = fetch;
        _backgroundFetch = background;
        if (!background) Become(Fetching);
        OpenStackTelemetry.TokenRequests.Add(1);
        _authenticator.AuthenticateAsync(_http, _settings.AuthTimeout, _stopping.Token)
            .PipeTo(Self,
                success: access => new FetchCompleted(fetch, access, null),
                failure: ex => new FetchCompleted(fetch, null, ex as OpenStackException
                    ?? new OpenStackException($"Authentication with {_authenticator.Description} failed: {ex.GetType().Name}: {ex.Message}")));
    }

    private void OnFetchCompleted(FetchCompleted done)
    {
        if (!ReferenceEquals(done.Fetch, _fetch)) return;  // from before a restart or a superseded fetch
        _fetch = null;
        var background = _backgroundFetch;
        if (done.Access is { } access)
        {
            _current = access with { Generation = Interlocked.Increment(ref s_generation) };
            _lastFailure = null;
            _outageBackoff = TimeSpan.Zero;
            Context.Parent.Tell(new AccessRenewed(_current));
            ScheduleRenewal(_current);
            _log.Debug("New token generation {0} for {1}, expires {2:O}", _current.Generation, _authenticator.Description, _current.ExpiresAt);
            if (!background)
            {
                Become(Ready);
                Stash.UnstashAll();
            }
            return;
        }

        _lastFailure = done.Error!;
        if (_lastFailure is AuthenticationFailedException) _badCredentialsUntil = Now + _settings.BadCredentialsHold;
        else if (!background)
        {
            // Keystone is down or failing: answer from memory for a doubling while, so failures cannot become a storm.
            _outageBackoff = _outageBackoff == TimeSpan.Zero ? _settings.OutageMinBackoff
                : Min(_settings.OutageMaxBackoff, _outageBackoff * 2);
            _outageUntil = Now + _outageBackoff;
        }
        _log.Warning("Authentication ({0}) failed: {1}", _authenticator.Description, _lastFailure.Message);
        if (background)
        {
            // The current token is still good for a while: try again halfway to its expiry.
            if (_current?.ExpiresAt is { } expires && _lastFailure is not AuthenticationFailedException)
                Timers.StartSingleTimer(RenewTimer, RenewDue.Instance, Max(TimeSpan.FromSeconds(1), (expires - Now) / 2));
            return;
        }
        Become(AnsweringFailure);
        Stash.UnstashAll();
        Self.Tell(FailureAnswered.Instance);
    }

    private void ScheduleRenewal(AccessInfo access)
    {
        Timers.Cancel(RenewTimer);
        if (access.ExpiresAt is not { } expires) return;
        var life = expires - Now;
        if (life <= TimeSpan.Zero) return;
        _expirySkew = Min(ExpirySkew, life / 10);
        var margin = Min(_settings.RenewBeforeExpiry, life / 2);
        var jitter = Min(_settings.RenewJitter, life / 10) * ThreadLocalRandom.Current.NextDouble();
        // Never sooner than Keystone's minimum interval, however short-lived the tokens are.
        Timers.StartSingleTimer(RenewTimer, RenewDue.Instance, Max(_settings.MinInterval, life - margin - jitter));
    }

    /// <summary>Not handed out this close to expiry; a tenth of the token's life for very short-lived tokens.</summary>
    private TimeSpan _expirySkew = ExpirySkew;

    private bool IsUsable(AccessInfo access) => access.ExpiresAt is not { } expires || Now < expires - _expirySkew;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <inheritdoc />
    protected override void PostRestart(Exception reason)
    {
        base.PostRestart(reason);
        // The rejected token's successor is fetched before anyone asks.
        if (reason is StaleTokenException) StartFetch(background: false);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        base.PostStop();
    }

    private sealed record FetchCompleted(object Fetch, AccessInfo? Access, OpenStackException? Error);

    private sealed record FetchDue
    {
        public static readonly FetchDue Instance = new();
    }

    private sealed record RenewDue
    {
        public static readonly RenewDue Instance = new();
    }

    private sealed record FailureAnswered
    {
        public static readonly FailureAnswered Instance = new();
    }
}
