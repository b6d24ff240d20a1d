namespace OpenStack.Actors.Tests.Support;

public static class TestConfigs
{
    /// <summary>Virtual time: timers and Scheduler.Now advance only when a test says so.</summary>
    public const string VirtualTime = """
        akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
        akka.loglevel = DEBUG
        """;

    public const string DebugLogging = "akka.loglevel = DEBUG";
}
