namespace OpenStack.Actors.TestKit;

/// <summary>HOCON snippets for test ActorSystems.</summary>
public static class OpenStackTestConfig
{
    /// <summary>
    /// Virtual time: Akka's TestScheduler, so timers and <c>Scheduler.Now</c> move only when the test calls
    /// <c>TestScheduler.Advance</c> (or <see cref="FakeSession.Advance"/>). Pass it to the TestKit's constructor.
    /// </summary>
    public const string VirtualTime = """akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit" """;
}
