using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;

namespace OpenStack.Actors.TestKit;

/// <summary>How a <see cref="FakeSession"/> behaves; every property has a usable default.</summary>
public sealed record FakeSessionOptions
{
    /// <summary>The fake actor's name; null lets Akka choose one (several fakes can share a system).</summary>
    public string? Name { get; init; }

    /// <summary>The session settings the fake mirrors (raise-on-error, request timeout, retry statuses, attempts, backoff);
    /// null reads <c>openstack.session</c> from the ActorSystem's config, like the real session.</summary>
    public SessionSettings? Settings { get; init; }

    /// <summary>The catalog relative urls resolve against (through the real <see cref="ServiceCatalog.Resolve"/>);
    /// null takes <see cref="CatalogBuilder.Default"/>. <see cref="ServiceCatalog.SingleEndpoint"/> mimics the static authenticator.</summary>
    public ServiceCatalog? Catalog { get; init; }

    /// <summary>Life of each token from its issue on the scheduler's clock (<c>ExpiresAt = Scheduler.Now + TokenLifetime</c>);
    /// null: tokens never expire. Default one hour, as Keystone's.</summary>
    public TimeSpan? TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long getting a token takes, on the scheduler (requests and <c>GetAccess</c> wait that long whenever a
    /// new token is needed: first use, expiry, reauthentication). Zero: at once.</summary>
    public TimeSpan AuthDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Tokens are <c>{TokenPrefix}-{generation}</c>.</summary>
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
