using System.Net;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Http;
using OpenStack.Actors.Session;

namespace OpenStack.Actors.TestKit;

/// <summary>Scripting: the cloud's replies, the conditions behind the session, and its Keystone.</summary>
public sealed partial class FakeSession
{
    /// <summary>Scripts what the cloud answers attempts with this method (null: any) and url; rules are tried in
    /// declaration order.</summary>
    /// <example><code>
    /// fake.When(HttpMethod.Get, "/?format=json").Reply(503).Then.ReplyJson(new[] { new { name = "photos" } });
    /// fake.When(HttpMethod.Put, "/photos/*").ForService("object-store").Reply(201).After(TimeSpan.FromSeconds(2));
    /// </code></example>
    public SessionReplyBuilder When(HttpMethod? method, UrlPattern url) => When(RequestMatcher.For(method, url));

    /// <summary>Scripts what the cloud answers attempts the matcher accepts.</summary>
    public SessionReplyBuilder When(RequestMatcher matcher) => new(_state.Gate, _state.AddRule(matcher));

    /// <summary>
    /// A 401 storm: the next <paramref name="rejectedAttempts"/> attempts are refused with 401 (before any rule). The
    /// session gets a new token (a reauthentication, after <see cref="FakeSessionOptions.AuthDelay"/>) and sends once more;
    /// if that is refused too, your actor gets <see cref="HttpErrorException"/> 401. So one rejection is invisible to the
    /// caller (only <see cref="SessionStats"/> and <see cref="Requests"/> show it), and two in a row reach it.
    /// </summary>
    public void UnauthorizedStorm(int rejectedAttempts) => ServerFailures(rejectedAttempts, 401);

    /// <summary>
    /// Rate limiting: the next <paramref name="rejectedAttempts"/> attempts get 429 with <c>Retry-After</c>. The session
    /// retries idempotent requests after Retry-After (virtual time) up to its max attempts; once they are used up your actor
    /// gets <see cref="HttpErrorException"/> 429 whose <see cref="HttpErrorException.Response"/> carries the Retry-After header.
    /// With <c>MaxAttempts = 1</c> (settings or <see cref="RequestOptions"/>) the first 429 goes straight to your actor.
    /// </summary>
    public void Throttle(int rejectedAttempts, TimeSpan retryAfter) => ServerFailures(rejectedAttempts, 429, retryAfter);

    /// <summary>The next <paramref name="attempts"/> attempts get <paramref name="status"/> from the cloud (before any
    /// rule), with Retry-After when given; the session's retry policy decides what your actor sees.</summary>
    public void ServerFailures(int attempts, int status = 503, TimeSpan? retryAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        _state.AddConditions(attempts, new ServerCondition(status, retryAfter));
    }

    /// <summary>The next <paramref name="attempts"/> attempts cannot connect (<see cref="ConnectionFailedException"/> from
    /// the transport): the session retries idempotent requests with backoff, else your actor gets the failure.</summary>
    public void ConnectionFailures(int attempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        _state.AddConditions(attempts, new ServerCondition(null, null));
    }

    /// <summary>The tokens issued so far stop being valid now (expired or revoked at Keystone): the next attempt that
    /// carries one gets 401 from the cloud, and the session reauthenticates once and sends it again with a new token.
    /// <c>GetAccess</c> still answers the cached token until then, as with a real cloud. (Tokens also expire by themselves
    /// after <see cref="FakeSessionOptions.TokenLifetime"/> of virtual time; the session renews them before.)</summary>
    public void ExpireToken() => _keystone.RevokeAll();

    /// <summary>From now on token requests are refused with <paramref name="error"/> (default: an
    /// <see cref="AuthenticationFailedException"/> 401): requests that need a new token fail with it and <c>GetAccess</c>
    /// gets <see cref="AccessDenied"/>. A token still valid keeps working. The session's authenticator holds refused
    /// credentials for <c>token.bad-credentials-hold</c> (virtual time) before it asks again.</summary>
    public void FailAuthentication(OpenStackException? error = null) =>
        _keystone.Failure = error ?? new AuthenticationFailedException(
            $"Keystone at {Options.AuthUrl} refused the credentials: 401 The request you have made requires authentication.", HttpStatusCode.Unauthorized);

    /// <summary>Tokens are issued again.</summary>
    public void RestoreAuthentication() => _keystone.Failure = null;

    /// <summary>Replaces the catalog new tokens come with, and revokes the tokens issued so far: the next attempt gets
    /// 401, the session reauthenticates and resolves the request again against the new catalog.</summary>
    public void UseCatalog(ServiceCatalog catalog) => _keystone.UseCatalog(catalog ?? throw new ArgumentNullException(nameof(catalog)));

    /// <summary>Replaces the catalog with a built one.</summary>
    public void UseCatalog(CatalogBuilder catalog) => UseCatalog(catalog.Build());

    /// <summary>The catalog new tokens come with.</summary>
    public ServiceCatalog Catalog => _keystone.Catalog;

    /// <summary>Token requests the scripted Keystone received so far (first token, renewals, reauthentications).</summary>
    public int Authentications => _keystone.Calls;

    /// <summary>Waits for a token request that no earlier call returned for, received already or still to come; it
    /// returns once the request's answer is on the scheduler, so the test can then advance past
    /// <see cref="FakeSessionOptions.AuthDelay"/>.</summary>
    /// <param name="timeout">Real time to wait; null takes the TestKit's single-expect default (3 s).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="FakeAssertionException">No token request came in time.</exception>
    public async Task ExpectAuthenticationAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var waiter = _keystone.ClaimCall();
        var wait = timeout ?? _expectTimeout;
        try
        {
            await waiter.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _keystone.Cancel(waiter);
            throw new FakeAssertionException(
                $"FakeSession: expected a token request within {wait.TotalSeconds:0.###} s, but none came ({Authentications} so far).");
        }
        catch (OperationCanceledException)
        {
            _keystone.Cancel(waiter);
            throw;
        }
    }
}
