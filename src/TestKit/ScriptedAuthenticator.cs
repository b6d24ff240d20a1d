using Akka.Actor;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Transport;

namespace OpenStack.Actors.TestKit;

/// <summary>
/// The fake session's <see cref="IAuthenticator"/>, driven by the real <see cref="AuthenticatorActor"/>: answers from the
/// <see cref="FakeKeystone"/> after <see cref="FakeSessionOptions.AuthDelay"/> on the ActorSystem's scheduler (virtual
/// under the TestScheduler), and times out as a Keystone exchange does when that delay reaches the auth timeout.
/// </summary>
internal sealed class ScriptedAuthenticator(FakeKeystone keystone, IScheduler scheduler, FakeSessionOptions options) : IAuthenticator
{
    private static readonly HttpMethod TokenMethod = HttpMethod.Post;

    public string Description => $"FakeSession's scripted Keystone at {options.AuthUrl} for user {options.Identity.UserName}";

    public Task<AccessInfo> AuthenticateAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var delay = options.AuthDelay;
        if (delay <= TimeSpan.Zero)
        {
            // At once: the TestScheduler would fire even a zero delay only on the next Advance.
            var done = Answer();
            keystone.CallStarted();
            return done;
        }
        var answer = new TaskCompletionSource<AccessInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        var timesOut = delay >= timeout;
        var stopping = cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken));
        scheduler.Advanced.ScheduleOnce(timesOut ? timeout : delay, () =>
        {
            stopping.Dispose();
            if (timesOut) answer.TrySetException(HttpExchange.TimedOut(TokenMethod, TokensUrl, timeout));
            else answer.TrySetFromTask(Answer());
        });
        keystone.CallStarted();
        return answer.Task;
    }

    private Uri TokensUrl => new(options.AuthUrl.AbsoluteUri.TrimEnd('/') + "/auth/tokens");

    private Task<AccessInfo> Answer()
    {
        try
        {
            return Task.FromResult(keystone.Issue(scheduler.Now));
        }
        catch (Exception e)
        {
            return Task.FromException<AccessInfo>(e);
        }
    }
}
