using System.Net;
using OpenStack.Actors.Http;
using OpenStack.Actors.Auth;

namespace OpenStack.Actors.Session;

/// <summary>
/// Which failures a later attempt may fix: the endpoint (or Keystone) unreachable, a reset or timed-out exchange, an
/// open circuit breaker, and the statuses of a sick or busy service (5xx, 429, 408). A 401 counts too: the session
/// has already reauthenticated once, so it means the service could not validate a fresh token (Keystone trouble).
/// Everything else (4xx, local file errors, cancellation) is final.
/// </summary>
public static class TransientFailures
{
    /// <summary>True when <paramref name="error"/> (or the failure it wraps) is transient.</summary>
    public static bool IsTransient(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case ConnectionFailedException or RequestTimeoutException or CircuitOpenException:
                    return true;
                case HttpErrorException h:
                    return IsTransientStatus(h.Status);
                case AuthenticationFailedException { Status: { } status }:
                    return (int)status >= 500 || status == HttpStatusCode.TooManyRequests;
                case RequestBodyException or InvalidRequestException or SessionStoppedException or OperationCanceledException:
                    return false;
            }
        }
        return false;
    }

    /// <summary>5xx, 429, 408 and 401 (see the class summary).</summary>
    public static bool IsTransientStatus(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout or HttpStatusCode.Unauthorized;
}
