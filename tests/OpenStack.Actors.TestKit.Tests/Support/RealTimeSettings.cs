using OpenStack.Actors.Config;

namespace OpenStack.Actors.TestKit.Tests.Support;

/// <summary>Settings for tests of the real session in real time over a fake cloud.</summary>
internal static class RealTimeSettings
{
    /// <summary>No waits: short backoffs, and no Keystone pacing or outage hold between token requests.</summary>
    public static SessionSettings Fast { get; } = SessionSettings.Default with
    {
        MinBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(5),
        TokenMinInterval = TimeSpan.Zero,
        AuthOutageMinBackoff = TimeSpan.Zero,
    };
}
