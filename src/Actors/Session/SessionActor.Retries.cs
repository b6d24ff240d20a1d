using System.Net;
using Akka.Event;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Http;
using OpenStack.Actors.Telemetry;

namespace OpenStack.Actors.Session;

/// <summary>When a failed attempt is tried again, and after how long: transient transport failures and statuses of
/// idempotent requests, Keystone outages, and 401s while Keystone was just unreachable.</summary>
public sealed partial class SessionActor
{
    private void OnAccessDenied(AccessDenied denied)
    {
        _accessRequested = false;
        var waiting = _awaitingAccess.ToArray();
        _awaitingAccess.Clear();
        // A Keystone outage is retried like any transient failure (the authenticator answers from memory while
        // it backs off, so this cannot flood Keystone); refused credentials are final.
        var transient = denied.Error is ConnectionFailedException or RequestTimeoutException
            || denied.Error is HttpErrorException { Status: >= HttpStatusCode.InternalServerError };
        if (transient) _authOutageAt = Now;
        foreach (var p in waiting)
        {
            if (!_pending.ContainsKey(p.Id)) continue;
            p.Attempt++;
            if (transient && MayRetry(p)) ScheduleRetry(p, denied.RetryAfter);
            else Fail(p, denied.Error);
        }
    }

    private bool InAuthOutage => _authOutageAt is { } at && Now - at < _settings.UnauthorizedAfterAuthOutage;

    private bool IsRetriableStatus(PendingRequest p, int status) => SessionRules.IsRetriableStatus(status, p.Options, _settings);

    private bool MayRetry(PendingRequest p) => SessionRules.MayRetry(p.Request, p.Options, p.Attempt, _settings);

    /// <summary>Exponential backoff with full jitter; a server's Retry-After is a floor, never cut short.</summary>
    private void ScheduleRetry(PendingRequest p, TimeSpan? retryAfter)
    {
        var delay = SessionRules.RetryDelay(p.Attempt, retryAfter, _settings, Math.Clamp(_jitter(), 0, 1));
        p.Deadline = Now + delay + _settings.ReplyGrace;
        OpenStackTelemetry.Retries.Add(1);
        Timers.StartSingleTimer(("retry", p.Id), new RetryDue(p.Id), delay);
        // Logged once the timer is set, so that a test which waits for this line can move virtual time past it.
        _log.Debug("Retrying {0} in {1:F1} s (attempt {2})", p.Request, delay.TotalSeconds, p.Attempt + 1);
    }
}
