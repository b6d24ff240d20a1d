using System.Reflection;
using Akka.Actor;
using Akka.Configuration;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Transport;

namespace OpenStack.Actors.Config;

/// <summary>Session settings (HOCON <c>openstack.session</c>).</summary>
public sealed record SessionSettings
{
    /// <summary>Timeout of one HTTP attempt.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Timeout of one Keystone token request.</summary>
    public TimeSpan AuthTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Turn 4xx/5xx into <see cref="Http.HttpErrorException"/>.</summary>
    public bool RaiseOnError { get; init; } = true;

    /// <summary>Send tokens to hosts outside the catalog.</summary>
    public bool AllowTokenToForeignHosts { get; init; }

    /// <summary>Redirects followed at most.</summary>
    public int MaxRedirects { get; init; } = 30;

    /// <summary>Extra time before the session answers a lost reply with a timeout itself.</summary>
    public TimeSpan ReplyGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts for retriable failures of idempotent requests.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Statuses retried for idempotent requests.</summary>
    public IReadOnlySet<int> RetriableStatuses { get; init; } = new HashSet<int> { 408, 429, 500, 502, 503, 504 };

    /// <summary>First backoff step.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Backoff cap.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Renew the token this long before it expires.</summary>
    public TimeSpan RenewBeforeExpiry { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Random extra earliness of renewals.</summary>
    public TimeSpan RenewJitter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long refused credentials are answered from memory.</summary>
    public TimeSpan BadCredentialsHold { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Consecutive failures (connection, timeout, 5xx) that open an endpoint's circuit breaker.</summary>
    public int BreakerMaxFailures { get; init; } = 10;

    /// <summary>First wait before an open breaker lets a probe through.</summary>
    public TimeSpan BreakerResetTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait, as failed probes double it.</summary>
    public TimeSpan BreakerMaxResetTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Jitter of the breaker's reset timeout (0.2: up to 20% longer), so many clients do not probe in step.</summary>
    public double BreakerRandomFactor { get; init; } = 0.2;

    /// <summary>For this long after a token request failed transiently (Keystone unreachable or 5xx), a 401 from a service is
    /// retried like a 503: the service may still be failing to validate tokens with Keystone.</summary>
    public TimeSpan UnauthorizedAfterAuthOutage { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The adaptive concurrency limit never goes below this.</summary>
    public int MinConcurrencyPerEndpoint { get; init; } = 1;

    /// <summary>The adaptive limit's ceiling; null: the pool's capacity (pool size x in-flight per transport).</summary>
    public int? MaxConcurrencyPerEndpoint { get; init; }

    /// <summary>Keystone protection: at most one token request per this interval.</summary>
    public TimeSpan TokenMinInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>After Keystone failed (unreachable, 5xx), callers get that error for this long, doubling up to <see cref="AuthOutageMaxBackoff"/>.</summary>
    public TimeSpan AuthOutageMinBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The cap of the outage backoff.</summary>
    public TimeSpan AuthOutageMaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>What the AuthenticatorActor uses of these settings.</summary>
    public TokenSettings Token => new(AuthTimeout, RenewBeforeExpiry, RenewJitter, BadCredentialsHold, TokenMinInterval, AuthOutageMinBackoff, AuthOutageMaxBackoff);

    /// <summary>Transport pool settings.</summary>
    public TransportSettings Transport { get; init; } = new();

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
    public static Akka.Configuration.Config DefaultConfig()
    {
        using var stream = typeof(SessionSettings).Assembly.GetManifestResourceStream("OpenStack.Actors.reference.conf")
            ?? throw new InvalidOperationException("OpenStack.Actors.reference.conf is not embedded");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    /// <summary>Reads <c>openstack.session</c> from the system's config, falling back to the defaults.</summary>
    public static SessionSettings Create(ActorSystem system) => Create(system.Settings.Config);

    /// <summary>Reads <c>openstack.session</c> from a config, falling back to the defaults.</summary>
    public static SessionSettings Create(Akka.Configuration.Config config)
    {
        var c = config.WithFallback(DefaultConfig()).GetConfig("openstack.session");
        var t = c.GetConfig("transport");
        var caFile = t.GetString("ca-file", "");
        var clientCert = t.GetString("client-cert-file", "");
        var clientKey = t.GetString("client-key-file", "");
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
            Transport = new TransportSettings
            {
                PoolSize = Math.Max(1, t.GetInt("pool-size")),
                Routing = t.GetString("routing"),
                MaxInFlightPerTransport = Math.Max(1, t.GetInt("max-in-flight-per-transport")),
                MaxConnectionsPerServer = Math.Max(1, t.GetInt("max-connections-per-server")),
                ConnectTimeout = t.GetTimeSpan("connect-timeout"),
                PooledConnectionIdleTimeout = t.GetTimeSpan("pooled-connection-idle-timeout"),
                PooledConnectionLifetime = t.GetTimeSpan("pooled-connection-lifetime"),
                VerifyTls = t.GetBoolean("verify-tls"),
                CaFile = string.IsNullOrWhiteSpace(caFile) ? null : caFile,
                ClientCertFile = string.IsNullOrWhiteSpace(clientCert) ? null : clientCert,
                ClientKeyFile = string.IsNullOrWhiteSpace(clientKey) ? null : clientKey,
            },
        };
    }

}
