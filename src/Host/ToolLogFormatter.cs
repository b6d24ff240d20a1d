using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace OpenStack.Actors.Host;

/// <summary>
/// The tool's log lines on stderr: <c>warning: MESSAGE</c>, without the logger category, Akka's level, timestamp,
/// thread and actor path, which say nothing to a user of the command line (<c>--debug</c> keeps them all).
/// </summary>
public sealed partial class ToolLogFormatter() : ConsoleFormatter(FormatterName)
{
    /// <summary>The name the console logger knows this formatter by.</summary>
    public const string FormatterName = "openstack-actors";

    /// <inheritdoc />
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message)) return;
        var level = logEntry.LogLevel switch
        {
            LogLevel.Critical or LogLevel.Error => "error",
            LogLevel.Warning => "warning",
            LogLevel.Information => "info",
            _ => "debug",
        };
        textWriter.Write(level);
        textWriter.Write(": ");
        textWriter.WriteLine(AkkaPrefix().Replace(message, "", 1).ReplaceLineEndings(" "));
    }

    // [WARNING][12/01/2026 10:52:00.863Z][Thread 0007][akka://openstack-actors/user/cli] (LogSource, when Akka adds it)
    [GeneratedRegex(@"^\[[A-Z]+\]\[[^\]]*\]\[Thread [^\]]*\]\[[^\]]*\]\s*")]
    private static partial Regex AkkaPrefix();
}
