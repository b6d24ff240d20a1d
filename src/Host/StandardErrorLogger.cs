using Akka.Event;

namespace OpenStack.Actors.Host;

/// <summary>
/// Akka.NET's minimal logger (<c>akka.stdout-logger-class</c>), which prints what is logged while the system's loggers
/// are not running yet or any more: on the tool's stderr, because its stdout carries the command's results only.
/// </summary>
public sealed class StandardErrorLogger : MinimalLogger
{
    /// <inheritdoc />
    protected override void Log(object message) => Console.Error.WriteLine(message);
}
