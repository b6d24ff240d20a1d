using System.Threading.RateLimiting;
using Akka.Actor;
using OpenStack.Actors.Transport;

namespace OpenStack.Actors.Session;

/// <summary>The session's rate limits (<see cref="TransportSettings.RequestsPerSecond"/>, <see cref="TransportSettings.BandwidthLimit"/>):
/// one bucket of each for the whole transport pool.</summary>
public sealed partial class SessionActor
{
    private TokenBucketRateLimiter? _requestRate;
    private ByteBucket? _bandwidth;

    private void StartLimits()
    {
        _requestRate = RateLimits.Requests(_settings.Transport.RequestsPerSecond);
        _bandwidth = RateLimits.Bandwidth(_settings.Transport.BandwidthLimit);
    }

    private void OnTurnCame(TurnCame turn)
    {
        // A request failed while it waited (its caller's limit, the session stopping) is not sent any more.
        if (_pending.TryGetValue(turn.Attempt.Id, out var p)) Transmit(p, turn.Attempt);
    }

    private void StopLimits()
    {
        _requestRate?.Dispose();
        _bandwidth?.Dispose();
    }

    /// <summary>Hands the attempt to the pool when the request rate allows, else once its turn comes (oldest first).</summary>
    private void SendWhenAllowed(PendingRequest p, TransportRequest attempt)
    {
        if (_requestRate is { } rate)
        {
            using var lease = rate.AttemptAcquire();
            if (!lease.IsAcquired)
            {
                // The wait is not part of the attempt: its timeout and the lost-reply deadline start when it is sent.
                p.Deadline = null;
                AwaitTurn(rate, attempt);
                return;
            }
        }
        Transmit(p, attempt);
    }

    // Apart from SendWhenAllowed: a lambda there would capture its parameter, and the closure would be allocated on
    // every call, also when no turn is awaited.
    private void AwaitTurn(TokenBucketRateLimiter rate, TransportRequest attempt) =>
        rate.AcquireAsync().AsTask().PipeTo(Self, success: granted =>
        {
            granted.Dispose();
            return new TurnCame(attempt);
        }, failure: _ => new TurnCame(attempt));

    private void Transmit(PendingRequest p, TransportRequest attempt)
    {
        p.Deadline = Now + attempt.Timeout + _settings.ReplyGrace;
        _transport.Tell(attempt);
    }

    private sealed record TurnCame(TransportRequest Attempt);
}
