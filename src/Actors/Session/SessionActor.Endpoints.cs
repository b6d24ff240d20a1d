using Akka.Actor;
using Akka.Event;
using OpenStack.Actors.Http;
using OpenStack.Actors.Transport;

namespace OpenStack.Actors.Session;

/// <summary>Endpoint protection: one <see cref="EndpointGuard"/> per origin (circuit breaker and adaptive concurrency limit),
/// fed with each attempt's outcome, and the requests it holds while the endpoint is down.</summary>
public sealed partial class SessionActor
{
    private (Uri Url, EndpointGuard Guard)? _lastGuard;

    /// <summary>The guard of <paramref name="url"/>'s origin. Most requests go where the one before went: then the guard
    /// is found by comparing the parts of two parsed Uris, without building the origin's string.</summary>
    private EndpointGuard GuardFor(Uri url)
    {
        if (_lastGuard is { } last && Origins.SameOrigin(last.Url, url)) return last.Guard;
        var origin = EndpointGuard.OriginOf(url);
        if (!_guards.TryGetValue(origin, out var guard)) guard = NewGuard(origin);
        _lastGuard = (url, guard);
        return guard;
    }

    // Apart from GuardFor: the breaker's callbacks capture the origin, and a closure over a local of GuardFor would be
    // allocated on every call.
    private EndpointGuard NewGuard(string origin)
    {
        var guard = EndpointGuard.Create(origin, Context.System.Scheduler, _settings);
        var self = Self;
        guard.Breaker.OnOpen(() => self.Tell(new BreakerChanged(origin, BreakerState.Open)))
            .OnHalfOpen(() => self.Tell(new BreakerChanged(origin, BreakerState.HalfOpen)))
            .OnClose(() => self.Tell(new BreakerChanged(origin, BreakerState.Closed)));
        _guards.Add(origin, guard);
        return guard;
    }

    /// <summary>Feeds the endpoint's breaker and adaptive limit with what an attempt came to.</summary>
    private void RecordOutcome(PendingRequest p, TransportResult result)
    {
        if (p.Slot is not { } guard) return;
        var status = result.Response is { } r ? (int)r.Status : 0;
        if (result.Error is ConnectionFailedException or RequestTimeoutException || status is 500 or 502 or 503 or 504)
        {
            guard.LastError = result.Error ?? new HttpErrorException(result.Response!.Method, result.Response.Url, result.Response.Status,
                result.Response.RequestId, ErrorBodies.Message(result.Response.Header("Content-Type"), result.Response.Body.Span));
            guard.Breaker.Fail();
        }
        else if (result.Response is not null)
            guard.Breaker.Succeed();
        var retryAfter = result.Response is { } response ? SessionRules.RetryAfter(response, Now) : null;
        if (status == 429 || (status == 503 && retryAfter is not null))
        {
            if (guard.OnThrottled(Now, retryAfter))
                _log.Warning("{0} is throttling (HTTP {1}): at most {2} requests in flight to it now", guard.Origin, status, guard.Limit);
        }
        else if (result.Response is { IsSuccess: true }) guard.OnSuccess(Now);
    }

    /// <summary>Gives back the request's slot and lets the next waiting requests of that endpoint go.</summary>
    private void ReleaseSlot(PendingRequest p)
    {
        if (p.Slot is not { } guard) return;
        p.Slot = null;
        guard.InFlight--;
        if (p.IsProbe)
        {
            p.IsProbe = false;
            guard.ProbeInFlight = false;
        }
        while (guard.HasCapacity && guard.Waiting.TryDequeue(out var id))
            if (_pending.TryGetValue(id, out var next)) Dispatch(next);
    }

    private void OnBreakerChanged(BreakerChanged changed)
    {
        if (!_guards.TryGetValue(changed.Origin, out var guard)) return;
        switch (changed.State)
        {
            case BreakerState.Open when guard.DownSince is null:
                guard.DownSince = Now;
                var reason = guard.LastError?.Message ?? "repeated failures";
                _log.Warning("{0} is down ({1}); requests to it fail fast, or wait if they asked to, until a probe succeeds", guard.Origin, reason);
                Context.System.EventStream.Publish(new EndpointDown(Self, guard.Origin, Now, reason));
                break;
            case BreakerState.HalfOpen:
                // The first held request is the probe; the others wait for its outcome.
                DispatchHeld(guard, all: false);
                break;
            case BreakerState.Closed:
                if (guard.DownSince is { } since)
                {
                    guard.DownSince = null;
                    _log.Info("{0} is up again after {1:0.0} s", guard.Origin, (Now - since).TotalSeconds);
                    Context.System.EventStream.Publish(new EndpointUp(Self, guard.Origin, since, Now - since));
                }
                DispatchHeld(guard, all: true);
                break;
        }
    }

    /// <summary>Sends the requests <paramref name="guard"/> holds, in arrival order: the first still waiting, or all of
    /// those held now (one held again meanwhile waits for the next change). Entries already answered are dropped.</summary>
    private void DispatchHeld(EndpointGuard guard, bool all)
    {
        for (var left = guard.Held.Count; left > 0 && guard.Held.TryDequeue(out var id); left--)
        {
            if (!_pending.TryGetValue(id, out var p) || p.HeldBy != guard) continue;
            p.HeldBy = null;
            Dispatch(p);
            if (!all) return;
        }
    }

    private enum BreakerState { Open, HalfOpen, Closed }

    private sealed record BreakerChanged(string Origin, BreakerState State);
}
