using OpenStack.Actors.Catalog;

using OpenStack.Actors.Http;

namespace OpenStack.Actors.Auth;

/// <summary>What an authenticator obtained: a token, its expiry, its catalog and whom it belongs to.</summary>
/// <param name="Token">The token.</param>
/// <param name="ExpiresAt">When Keystone says it expires; null for tokens that do not (static).</param>
/// <param name="Catalog">The service catalog that came with it.</param>
/// <param name="Identity">A non-secret description of whom the token is for (user, project); tokens are never shared across identities.</param>
/// <param name="UserId">The user id, when Keystone said it.</param>
/// <param name="ProjectId">The project id of a project-scoped token.</param>
/// <param name="Generation">Set by the AuthenticatorActor: increases with every new token.</param>
public sealed record AccessInfo(
    AuthToken Token,
    DateTimeOffset? ExpiresAt,
    ServiceCatalog Catalog,
    string Identity,
    string? UserId = null,
    string? ProjectId = null,
    long Generation = 0)
{
    /// <summary>The url Keystone was reached at, so the session may send it tokens (e.g. to revoke).</summary>
    public Uri? AuthUrl { get; init; }

    /// <summary>True when the url belongs to this cloud: an endpoint of the catalog or the auth url.</summary>
    public bool IsOwnEndpoint(Uri url) =>
        Catalog.Contains(url) || (AuthUrl is not null && Origins.SameOrigin(AuthUrl, url));
}
