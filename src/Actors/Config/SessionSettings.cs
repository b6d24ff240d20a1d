using Akka.Actor;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Transport;

namespace OpenStack.Actors.Config;

/// <summary>Session settings (HOCON <c>openstack.session</c>). The defaults are in <c>reference.conf</c> only: start from
/// <see cref="Default"/> or <see cref="Create(Akka.Configuration.Config)"/> and change values with <c>with</c>.</summary>
public sealed record SessionSettings
{
    /// <summary>The defaults of <c>reference.conf</c>.</summary>
    public static SessionSettings Default { get; } = Create(Akka.Configuration.Config.Empty);

    /// <summary>Timeout of one HTTP attempt.</summary>
    public required TimeSpan RequestTimeout { get; init; }

    /// <summary>Timeout of one Keystone token request.</summary>
    public required TimeSpan AuthTimeout { get; init; }

    /// <summary>Turn 4xx/5xx into <see cref="Http.HttpErrorException"/>.</summary>
    public required bool RaiseOnError { get; init; }

    /// <summary>Send tokens to hosts outside the catalog.</summary>
    public required bool AllowTokenToForeignHosts { get; init; }

    /// <summary>Redirects followed at most.</summary>
    public required int MaxRedirects { get; init; }

    /// <summary>Extra time before the session answers a lost reply with a timeout itself.</summary>
    public required TimeSpan ReplyGrace { get; init; }

    /// <summary>Attempts for retriable failures of idempotent requests.</summary>
    public required int MaxAttempts { get; init; }

    /// <summary>Statuses retried for idempotent requests.</summary>
    public required IReadOnlySet<int> RetriableStatuses { get; init; }

    /// <summary>First backoff step.</summary>
    public required TimeSpan MinBackoff { get; init; }

    /// <summary>Backoff cap.</summary>
    public required TimeSpan MaxBackoff { get; init; }

    /// <summary>Renew the token this long before it expires.</summary>
    public required TimeSpan RenewBeforeExpiry { get; init; }

    /// <summary>Random extra earliness of renewals.</summary>
    public required TimeSpan RenewJitter { get; init; }

    /// <summary>How long refused credentials are answered from memory.</summary>
    public required TimeSpan BadCredentialsHold { get; init; }

    /// <summary>Consecutive failures (connection, timeout, 5xx) that open an endpoint's circuit breaker.</summary>
    public required int BreakerMaxFailures { get; init; }

    /// <summary>First wait before an open breaker lets a probe through.</summary>
    public required TimeSpan BreakerResetTimeout { get; init; }

    /// <summary>The longest wait, as failed probes double it.</summary>
    public required TimeSpan BreakerMaxResetTimeout { get; init; }

    /// <summary>Jitter of the breaker's reset timeout (0.2: up to 20% longer), so many clients do not probe in step.</summary>
    public required double BreakerRandomFactor { get; init; }

    /// <summary>For this long after a token request failed transiently (Keystone unreachable or 5xx), a 401 from a service is
    /// retried like a 503: the service may still be failing to validate tokens with Keystone.</summary>
    public required TimeSpan UnauthorizedAfterAuthOutage { get; init; }

    /// <summary>The adaptive concurrency limit never goes below this.</summary>
    public required int MinConcurrencyPerEndpoint { get; init; }

    /// <summary>The adaptive limit's ceiling; null: the pool's capacity (pool size x in-flight per transport).</summary>
    public int? MaxConcurrencyPerEndpoint { get; init; }

    /// <summary>Keystone protection: at most one token request per this interval.</summary>
    public required TimeSpan TokenMinInterval { get; init; }

    /// <summary>After Keystone failed (unreachable, 5xx), callers get that error for this long, doubling up to <see cref="AuthOutageMaxBackoff"/>.</summary>
    public required TimeSpan AuthOutageMinBackoff { get; init; }

    /// <summary>The cap of the outage backoff.</summary>
    public required TimeSpan AuthOutageMaxBackoff { get; init; }

    /// <summary>What the AuthenticatorActor uses of these settings.</summary>
    public TokenSettings Token => new(AuthTimeout, RenewBeforeExpiry, RenewJitter, BadCredentialsHold, TokenMinInterval, AuthOutageMinBackoff, AuthOutageMaxBackoff);

    /// <summary>Transport pool settings.</summary>
    public required TransportSettings Transport { get; init; }

    /// <summary>The longest a caller can wait for a reply: every attempt, its backoff and two token requests.
    /// The facade's Ask timeout; the session itself answers before it.</summary>
    /// <param name="attemptTimeout">The request's own attempt timeout, if it has one.</param>
    /// <param name="attempts">The request's own attempt limit, if it has one.</param>
    /// <param name="waitForEndpoint">True when the request may also wait up to its attempt timeout for a down endpoint.</param>
    public TimeSpan MaxReplyTime(TimeSpan? attemptTimeout = null, int? attempts = null, bool waitForEndpoint = false)
    {
        var n = Math.Max(1, attempts ?? MaxAttempts);
        var attempt = (attemptTimeout ?? RequestTimeout) + ReplyGrace;
        return attempt * (waitForEndpoint ? n + 2 : n + 1) + (AuthTimeout + ReplyGrace) * 2 + MaxBackoff * (n - 1);
    }

    /// <summary>The library's defaults: the embedded <c>reference.conf</c>.</summary>
    public static Akka.Configuration.Config DefaultConfig() => ReferenceConfig.Value;

    /// <summary>Reads <c>openstack.session</c> from the system's config, falling back to the defaults.</summary>
    public static SessionSettings Create(ActorSystem system) => Create(system.Settings.Config);

    /// <summary>Reads <c>openstack.session</c> from a config, falling back to the defaults.</summary>
    public static SessionSettings Create(Akka.Configuration.Config config)
    {
        var full = ReferenceConfig.Under(config);
        var c = full.GetConfig("openstack.session");
        return new SessionSettings
        {
            RequestTimeout = c.GetTimeSpan("request-timeout"),
            AuthTimeout = c.GetTimeSpan("auth-timeout"),
            RaiseOnError = c.GetBoolean("raise-on-error"),
            AllowTokenToForeignHosts = c.GetBoolean("allow-token-to-foreign-hosts"),
            MaxRedirects = c.GetInt("max-redirects"),
            ReplyGrace = c.GetTimeSpan("reply-grace"),
            MaxAttempts = Math.Max(1, c.GetInt("retry.max-attempts")),
            RetriableStatuses = c.GetIntList("retry.statuses").ToHashSet(),
            MinBackoff = c.GetTimeSpan("retry.min-backoff"),
            MaxBackoff = c.GetTimeSpan("retry.max-backoff"),
            RenewBeforeExpiry = c.GetTimeSpan("token.renew-before-expiry"),
            RenewJitter = c.GetTimeSpan("token.renew-jitter"),
            BadCredentialsHold = c.GetTimeSpan("token.bad-credentials-hold"),
            TokenMinInterval = c.GetTimeSpan("token.min-interval"),
            AuthOutageMinBackoff = c.GetTimeSpan("token.outage-min-backoff"),
            AuthOutageMaxBackoff = c.GetTimeSpan("token.outage-max-backoff"),
            BreakerMaxFailures = Math.Max(1, c.GetInt("circuit-breaker.max-failures")),
            BreakerResetTimeout = c.GetTimeSpan("circuit-breaker.reset-timeout"),
            BreakerMaxResetTimeout = c.GetTimeSpan("circuit-breaker.max-reset-timeout"),
            BreakerRandomFactor = Math.Clamp(c.GetDouble("circuit-breaker.random-factor"), 0, 1),
            UnauthorizedAfterAuthOutage = c.GetTimeSpan("token.unauthorized-after-outage"),
            MinConcurrencyPerEndpoint = Math.Max(1, c.GetInt("adaptive-concurrency.min-limit")),
            MaxConcurrencyPerEndpoint = c.GetInt("adaptive-concurrency.max-limit") is > 0 and var max ? max : null,
            Transport = TransportSettings.Create(full),
        };
    }

}
