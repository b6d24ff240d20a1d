namespace OpenStack.Actors.Auth;

/// <summary>What the <see cref="AuthenticatorActor"/> needs of the session's settings (HOCON <c>openstack.session</c>,
/// <c>auth-timeout</c> and <c>token.*</c>); the session passes <c>SessionSettings.Token</c>.</summary>
/// <param name="AuthTimeout">Timeout of one Keystone token request.</param>
/// <param name="RenewBeforeExpiry">Renew this long before expiry, in the background (capped at half the token's life).</param>
/// <param name="RenewJitter">Up to this much earlier at random, so many sessions do not renew at once.</param>
/// <param name="BadCredentialsHold">How long refused credentials are answered from memory.</param>
/// <param name="MinInterval">At most one token request per this interval.</param>
/// <param name="OutageMinBackoff">After Keystone failed, callers get that error for this long, doubling ...</param>
/// <param name="OutageMaxBackoff">... up to this.</param>
public sealed record TokenSettings(TimeSpan AuthTimeout, TimeSpan RenewBeforeExpiry, TimeSpan RenewJitter, TimeSpan BadCredentialsHold,
    TimeSpan MinInterval, TimeSpan OutageMinBackoff, TimeSpan OutageMaxBackoff);
