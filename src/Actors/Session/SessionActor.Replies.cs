using Akka.Actor;
using OpenStack.Actors.Http;
using OpenStack.Actors.Telemetry;

namespace OpenStack.Actors.Session;

/// <summary>Exactly one reply per request: answers, failures, lost replies turned into timeouts, and the requests still
/// open when the session restarts or stops.</summary>
public sealed partial class SessionActor
{
    private void SweepLostReplies()
    {
        if (_pending.Count == 0) return;
        var now = Now;
        List<PendingRequest>? lost = null;
        foreach (var p in _pending.Values)
            if (p.Deadline is { } deadline && now > deadline && !Timers.IsTimerActive(("retry", p.Id)))
                (lost ??= []).Add(p);
        if (lost is null) return;
        foreach (var p in lost)
        {
            _awaitingAccess.Remove(p);
            if (p.HeldBy is { } guard && p.HeldSince is { } since) Fail(p, guard.OpenError(now - since));
            else Fail(p, new RequestTimeoutException($"{p.Request} got no reply in time", (p.Options.Timeout ?? _settings.RequestTimeout) + _settings.ReplyGrace));
        }
    }

    private void Fail(PendingRequest p, OpenStackException error)
    {
        _pending.Remove(p.Id);
        ReleaseSlot(p);
        Timers.Cancel(("retry", p.Id));
        Reply(p, new RequestFailed(error) { CorrelationId = p.Request.CorrelationId });
    }

    private void Reply(PendingRequest p, object reply)
    {
        if (!p.TryClaim())
        {
            // A transport answered it first (its exchange succeeded while the session was failing it): that answer stands.
            (reply as OpenStackResponse)?.Dispose();
            return;
        }
        CountReply(reply as RequestFailed);
        p.ReplyTo.Tell(reply, Self);
    }

    private static void CountReply(RequestFailed? failed)
    {
        if (OpenStackTelemetry.Requests.Enabled)
            OpenStackTelemetry.Requests.Add(1, new KeyValuePair<string, object?>("outcome", failed is not null ? failed.Error.GetType().Name : "response"));
    }

    private void FailAll(string why)
    {
        foreach (var p in _pending.Values.ToArray()) Fail(p, new SessionStoppedException($"{p.Request} was not completed: {why}"));
        _awaitingAccess.Clear();
    }

    /// <inheritdoc />
    protected override void PreRestart(Exception reason, object message)
    {
        var answeredByFailAll = message is OpenStackRequest r && _pending.Values.Any(p => ReferenceEquals(p.Request, r));
        FailAll($"the session restarted ({reason.GetType().Name})");
        if (message is OpenStackRequest failed && !answeredByFailAll)
            Sender.Tell(new RequestFailed(new SessionStoppedException($"{failed} failed: the session restarted")) { CorrelationId = failed.CorrelationId });
        base.PreRestart(reason, message);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        FailAll("the session stopped");
        _http.Dispose();
        _invoker.Dispose();
        StopLimits();
        base.PostStop();
    }
}
