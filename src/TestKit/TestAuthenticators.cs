using OpenStack.Actors.Auth;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.TestKit;

/// <summary>Authenticators for tests of the real session.</summary>
public static class TestAuthenticators
{
    /// <summary>The default static token.</summary>
    public const string DefaultToken = "test-token";

    /// <summary>The core's <see cref="StaticAuthenticator"/> (the original TestAuthenticator): a fixed token that never
    /// expires and one endpoint that every service filter resolves to.</summary>
    public static StaticAuthenticator Static(string token = DefaultToken, string endpoint = KeystoneFixtures.SwiftUrl) =>
        new(token, new Uri(endpoint));

    /// <summary>The core's <see cref="StaticAuthenticator"/> for an endpoint.</summary>
    public static StaticAuthenticator Static(string token, Uri endpoint) => new(token, endpoint);

    /// <summary>An authenticator that always fails with <paramref name="error"/> (default: refused credentials).</summary>
    public static IAuthenticator Failing(OpenStackException? error = null) =>
        new FailingAuthenticator(error ?? new AuthenticationFailedException("The test authenticator refuses every request", System.Net.HttpStatusCode.Unauthorized));

    private sealed class FailingAuthenticator(OpenStackException error) : IAuthenticator
    {
        public string Description => "failing test authenticator";

        public Task<AccessInfo> AuthenticateAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken) =>
            Task.FromException<AccessInfo>(error);
    }
}
