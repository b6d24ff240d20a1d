namespace OpenStack.Actors.Auth;

/// <summary>
/// A plug-in that obtains a token and catalog. The AuthenticatorActor drives it: one call at a time,
/// from a background task; implementations must be thread-safe for that and keep secrets out of
/// <see cref="Description"/> and any exception they throw.
/// </summary>
public interface IAuthenticator
{
    /// <summary>A description for logs: the method, auth url, user and scope; never a secret.</summary>
    string Description { get; }

    /// <summary>Obtains a fresh token.</summary>
    /// <param name="http">The session's shared HTTP client (TLS, proxy and pool settings applied).</param>
    /// <param name="timeout">How long the whole exchange may take.</param>
    /// <param name="cancellationToken">Cancelled when the actor stops.</param>
    /// <exception cref="AuthenticationFailedException">The credentials were refused: do not retry.</exception>
    /// <exception cref="Http.OpenStackException">Keystone unreachable, timed out or failing.</exception>
    Task<AccessInfo> AuthenticateAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken);
}
