using OpenStack.Actors.Catalog;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Auth;

/// <summary>
/// The original TestAuthenticator: a fixed token and one endpoint used for every service.
/// For tests and for clouds without Keystone. The token never expires here.
/// </summary>
public sealed class StaticAuthenticator : IAuthenticator
{
    private readonly AccessInfo _access;

    /// <summary>Creates the authenticator.</summary>
    /// <param name="token">The token to send.</param>
    /// <param name="endpoint">The endpoint every request resolves against.</param>
    public StaticAuthenticator(string token, Uri endpoint)
    {
        Endpoint = endpoint;
        _access = new AccessInfo(new AuthToken(token), null, ServiceCatalog.SingleEndpoint(endpoint), $"static token for {endpoint}");
    }

    /// <summary>The fixed endpoint.</summary>
    public Uri Endpoint { get; }

    /// <inheritdoc />
    public string Description => $"static token for {Endpoint}";

    /// <inheritdoc />
    public Task<AccessInfo> AuthenticateAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult(_access);
}
