using OpenStack.Actors.Http;

namespace OpenStack.Actors.Auth;

/// <summary>Asks the AuthenticatorActor for a valid token; the reply is <see cref="AccessGranted"/> or <see cref="AccessDenied"/>.</summary>
public sealed record GetAccess
{
    /// <summary>The message.</summary>
    public static readonly GetAccess Instance = new();
}

/// <summary>A valid token with its catalog.</summary>
public sealed record AccessGranted(AccessInfo Access);

/// <summary>No token could be had; <see cref="Error"/> says why (an <see cref="AuthenticationFailedException"/> for refused credentials).</summary>
public sealed record AccessDenied(OpenStackException Error)
{
    /// <summary>During a Keystone outage: how long the authenticator will keep answering from memory; retrying sooner is pointless.</summary>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>Sent to the AuthenticatorActor's parent whenever a new token is in force (also after background renewals).</summary>
public sealed record AccessRenewed(AccessInfo Access);

/// <summary>A server rejected the token of this generation (401). The first report for the current
/// generation makes the authenticator fail with <see cref="StaleTokenException"/>, so that its supervisor restarts it
/// with a fresh token; reports for older generations are ignored: N rejections cause one reauthentication.</summary>
public sealed record TokenRejected(long Generation);

/// <summary>Thrown by the AuthenticatorActor when its token was rejected: the supervisor's cue to restart it.</summary>
public sealed class StaleTokenException(long generation)
    : Exception($"The token of generation {generation} was rejected")
{
    /// <summary>The rejected generation.</summary>
    public long Generation { get; } = generation;
}
