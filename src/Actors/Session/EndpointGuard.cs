using Akka.Actor;
using Akka.Pattern;

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
                .WithExponentialBackoff(settings.BreakerMaxResetTimeout),
            settings.MinConcurrencyPerEndpoint,
            settings.MaxConcurrencyPerEndpoint ?? settings.Transport.PoolSize * settings.Transport.MaxInFlightPerTransport);
}

/// <summary>The endpoint's circuit breaker is open after repeated failures: the request was not sent.</summary>
public sealed class CircuitOpenException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public CircuitOpenException(string endpoint, long failures, Exception? lastFailure)
        : base($"Not sent: the circuit breaker for {endpoint} is open after {failures} consecutive failures" +
               (lastFailure is null ? "" : $" (last: {lastFailure.Message})") + "; it lets a probe through after its reset timeout")
    {
        Endpoint = endpoint;
    }

    /// <summary>The endpoint (scheme://host:port).</summary>
    public string Endpoint { get; }
}
