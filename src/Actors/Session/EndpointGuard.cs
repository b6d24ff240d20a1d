using Akka.Actor;
using Akka.Pattern;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Session;

/// <summary>
/// Per-endpoint (scheme, host, port) protection, owned by the SessionActor and used only from it:
/// Akka's <see cref="CircuitBreaker"/> (opened by consecutive connection failures, timeouts and 5xx; one probe when
/// half-open) and an adaptive concurrency limit for the whole transport pool (halved on throttling, at most once per
/// Retry-After window; raised by one after a limit's worth of successes).
/// </summary>
internal sealed class EndpointGuard
{
    private readonly int _minLimit;
    private readonly int _maxLimit;
    private int _successesSinceRaise;
    private DateTimeOffset _holdUntil;

    internal EndpointGuard(string origin, CircuitBreaker breaker, int minLimit, int maxLimit)
    {
        Origin = origin;
        Breaker = breaker;
        _minLimit = Math.Max(1, minLimit);
        _maxLimit = Math.Max(_minLimit, maxLimit);
        Limit = _maxLimit;
    }

    internal string Origin { get; }

    internal CircuitBreaker Breaker { get; }

    /// <summary>Requests to this endpoint the session lets onto the wire at once.</summary>
    internal int Limit { get; private set; }

    internal int InFlight { get; set; }

    /// <summary>True while the one probe of a half-open breaker is out.</summary>
    internal bool ProbeInFlight { get; set; }

    /// <summary>Requests waiting for a slot, in arrival order.</summary>
    internal Queue<long> Waiting { get; } = new();

    /// <summary>Requests with <see cref="RequestOptions.WaitForEndpoint"/> held while the breaker is open, in arrival order.</summary>
    internal Queue<long> Held { get; } = new();

    /// <summary>The last failure that counted against the breaker, in our words (Akka's breaker only knows that Fail() was called).</summary>
    internal OpenStackException? LastError { get; set; }

    /// <summary>When the breaker opened (the endpoint counts as down until it closes again); null while it is up.</summary>
    internal DateTimeOffset? DownSince { get; set; }

    /// <summary>The error a request gets when it is not sent because the breaker is open.</summary>
    internal CircuitOpenException OpenError(TimeSpan? waited = null) =>
        new(Origin, Breaker.CurrentFailureCount, LastError?.Message, DownSince, waited);

    internal bool HasCapacity => InFlight < Limit;

    /// <summary>A 429, or a 503 with Retry-After: halve the limit, once per throttling window.</summary>
    internal bool OnThrottled(DateTimeOffset now, TimeSpan? retryAfter)
    {
        if (now < _holdUntil) return false;
        Limit = Math.Max(_minLimit, Limit / 2);
        _successesSinceRaise = 0;
        _holdUntil = now + (retryAfter is { } r && r > TimeSpan.FromSeconds(1) ? r : TimeSpan.FromSeconds(1));
        return true;
    }

    /// <summary>A success: additive increase, one step per limit's worth of successes (after the throttling window).</summary>
    internal void OnSuccess(DateTimeOffset now)
    {
        if (Limit >= _maxLimit || now < _holdUntil) return;
        if (++_successesSinceRaise < Limit) return;
        Limit++;
        _successesSinceRaise = 0;
    }

    internal static string OriginOf(Uri url) => $"{url.Scheme}://{url.IdnHost}:{url.Port}";

    internal static EndpointGuard Create(string origin, IScheduler scheduler, Config.SessionSettings settings) =>
        new(origin,
            new CircuitBreaker(scheduler, settings.BreakerMaxFailures, settings.RequestTimeout, settings.BreakerResetTimeout)
                .WithExponentialBackoff(settings.BreakerMaxResetTimeout)
                .WithRandomFactor(settings.BreakerRandomFactor),
            settings.MinConcurrencyPerEndpoint,
            settings.MaxConcurrencyPerEndpoint ?? settings.Transport.PoolSize * settings.Transport.MaxInFlightPerTransport);
}

/// <summary>The endpoint's circuit breaker is open after repeated failures: the request was not sent.</summary>
public sealed class CircuitOpenException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="endpoint">scheme://host:port.</param>
    /// <param name="failures">Consecutive failures that opened the breaker.</param>
    /// <param name="lastError">The last of those failures, in words.</param>
    /// <param name="downSince">When the breaker opened.</param>
    /// <param name="waited">How long the request waited for the endpoint (<see cref="RequestOptions.WaitForEndpoint"/>), if it did.</param>
    public CircuitOpenException(string endpoint, long failures, string? lastError, DateTimeOffset? downSince, TimeSpan? waited = null)
        : base($"Not sent: {endpoint} is down" + (downSince is { } s ? $" since {s.ToUniversalTime():HH:mm:ss} UTC" : "") +
               $" ({failures} failures in a row" + (lastError is null ? ")" : $"; last: {lastError})") +
               (waited is { } w ? $", waited {w.TotalSeconds:0} s for it to come back" : "; requests resume when a probe succeeds"))
    {
        Endpoint = endpoint;
        DownSince = downSince;
    }

    /// <summary>The endpoint (scheme://host:port).</summary>
    public string Endpoint { get; }

    /// <summary>When the endpoint went down (its breaker opened).</summary>
    public DateTimeOffset? DownSince { get; }
}
