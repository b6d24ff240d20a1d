using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;

namespace OpenStack.Actors.TestKit;

/// <summary>How a <see cref="FakeSession"/> behaves; every property has a usable default.</summary>
public sealed record FakeSessionOptions
{
    /// <summary>The name of the fake's actor (<see cref="FakeSession.Actor"/>); null lets Akka choose one (several fakes can share a system).</summary>
    public string? Name { get; init; }

    /// <summary>The settings the fake's real session runs with (raise-on-error, request timeout, retry statuses, attempts,
    /// backoff, token renewal); null reads <c>openstack.session</c> from the ActorSystem's config, like the real session.
    /// <c>SessionSettings.Default with { MaxAttempts = 1 }</c> turns the session's retries off, so that a scripted 503, 429
    /// or connection failure reaches your actor at once (a 401 is still reauthenticated once).</summary>
    public SessionSettings? Settings { get; init; }

    /// <summary>The retry backoff's random factor in [0, 1], taken per retry (<c>SessionActor.Props</c>' jitter): the session
    /// waits that fraction of the exponential cap (<c>min-backoff * 2^(attempt-1)</c>, at most <c>max-backoff</c>), never less
    /// than Retry-After. Default 1: exactly the cap, so that advancing virtual time that far releases the retry.</summary>
    public Func<double> RetryJitter { get; init; } = static () => 1;

    /// <summary>The catalog relative urls resolve against (through the real <see cref="ServiceCatalog.Resolve"/>);
    /// null takes <see cref="CatalogBuilder.Default"/>. <see cref="ServiceCatalog.SingleEndpoint"/> mimics the static authenticator.</summary>
    public ServiceCatalog? Catalog { get; init; }

    /// <summary>Life of each token from its issue on the scheduler's clock (<c>ExpiresAt = Scheduler.Now + TokenLifetime</c>);
    /// the cloud refuses a token after it (401), and the session renews tokens before (<c>token.renew-before-expiry</c>,
    /// with <c>token.renew-jitter</c>). Null: tokens never expire. Default one hour, as Keystone's.</summary>
    public TimeSpan? TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long the scripted Keystone takes to answer a token request, on the scheduler (requests and
    /// <c>GetAccess</c> wait that long whenever a new token is needed: first use, reauthentication). A delay reaching the
    /// session's auth timeout ends in a <c>RequestTimeoutException</c> at that timeout. Zero: at once.</summary>
    public TimeSpan AuthDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Tokens are <c>{TokenPrefix}-1</c>, <c>-2</c>... in the order this fake's Keystone issues them. (Their
    /// <see cref="Auth.AccessInfo.Generation"/> is the session's authenticator's: increasing, unique in the process.)</summary>
    public string TokenPrefix { get; init; } = "fake-token";

    /// <summary>Whom the tokens belong to.</summary>
    public KeystoneIdentity Identity { get; init; } = KeystoneIdentity.Demo;

    /// <summary>The auth url in <see cref="Auth.AccessInfo.AuthUrl"/> (an own endpoint: the token may go there).</summary>
    public Uri AuthUrl { get; init; } = new(KeystoneFixtures.AuthUrl);

    /// <summary>With a TestKit: also send each <see cref="UnexpectedRequest"/> to the TestKit's TestActor, so that the
    /// test's <c>ExpectNoMsg</c>/<c>ExpectMsg</c> fail on it. Off by default: the TestActor often is the requester, and
    /// <see cref="FakeSession.Verify"/> reports unexpected requests anyway.</summary>
    public bool ReportUnexpectedToTestActor { get; init; }
}
