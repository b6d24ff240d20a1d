using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using OpenStack.Actors.Transport;

namespace OpenStack.Actors.Host;

/// <summary>
/// The tool's log: Akka's log (through Microsoft.Extensions.Logging) and the tool's own warnings, as plain lines
/// (<c>warning: MESSAGE</c>, <c>http: GET URL 200 in 12 ms ...</c>) on stderr, or with <c>--log-file</c> in that file
/// instead, each line after its UTC time (as rclone's <c>--log-file</c>, which takes the log off stderr). Warnings and errors
/// always; with <c>-v</c> one line per HTTP request (<see cref="HttpRequestLog"/>); with <c>--debug</c> everything, with
/// Akka's details (level, time, thread, actor path). Results and progress stay on the console either way.
/// </summary>
public sealed partial class ToolLog : ILoggerProvider
{
    private readonly TextWriter _writer;
    private readonly bool _toFile;
    private readonly bool _verbose;
    private readonly bool _debug;
    private readonly Lock _lock = new();
    private readonly List<FlushMarker> _flushes = new();

    private ToolLog(TextWriter writer, bool toFile, bool verbose, bool debug)
    {
        _writer = writer;
        _toFile = toFile;
        _verbose = verbose;
        _debug = debug;
    }

    /// <summary>True when the options ask for more than warnings (Akka's log level must then be DEBUG).</summary>
    public bool WantsDebug => _verbose || _debug;

    /// <summary>The log the options ask for: to <paramref name="console"/>'s error writer, or to the <c>--log-file</c> (appended to).</summary>
    /// <exception cref="CliUsageException">The log file cannot be opened.</exception>
    public static ToolLog Open(GlobalOptions options, CliConsole console)
    {
        if (options.LogFile is not { } path) return new ToolLog(console.ErrorWriter, toFile: false, options.Verbose, options.Debug);
        try
        {
            var file = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
            return new ToolLog(file, toFile: true, options.Verbose, options.Debug);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliUsageException($"--log-file {path}: {e.Message}");
        }
    }

    /// <summary>True when lines go to a file rather than the console.</summary>
    public bool ToFile => _toFile;

    /// <summary>Writes one line of the tool's own (<c>warning</c>, <c>error</c>...).</summary>
    public void Write(string level, string message) => WriteLine(level, message, DateTime.UtcNow);

    /// <summary>
    /// Waits (at most <paramref name="limit"/>) until Akka's logger has written every event published before this call: it
    /// writes them from its own mailbox, and the system's termination would otherwise drop the last lines of a run. A marker
    /// event goes through the same path at Error level (which every log level but OFF lets through) and is not written.
    /// </summary>
    public async Task FlushAsync(Akka.Actor.ActorSystem system, TimeSpan limit)
    {
        var marker = new FlushMarker();
        lock (_lock) _flushes.Add(marker);
        system.EventStream.Publish(new Akka.Event.Error(null, nameof(ToolLog), typeof(ToolLog), marker));
        await Task.WhenAny(marker.Written.Task, Task.Delay(limit)).ConfigureAwait(false);
        lock (_lock) _flushes.Remove(marker);
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_toFile) return;
        lock (_lock) _writer.Dispose();
    }

    private void Log<TState>(string category, LogLevel level, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var source = "";
        DateTime? at = null;
        if (state is IEnumerable<KeyValuePair<string, object?>> fields)
        {
            foreach (var (key, value) in fields)
            {
                if (key == "LogSource") source = value as string ?? "";
                else if (key == "Timestamp" && value is DateTime t) at = t;
            }
        }
        var http = source.StartsWith(HttpRequestLog.SourceName, StringComparison.Ordinal);
        if (!(level >= LogLevel.Warning || _debug || (_verbose && http) || !WantsDebug)) return;
        var message = formatter(state, exception);
        if (string.IsNullOrEmpty(message)) return;
        lock (_lock)
        {
            foreach (var flush in _flushes)
            {
                if (!message.EndsWith(flush.Id, StringComparison.Ordinal)) continue;
                flush.Written.TrySetResult();
                return;
            }
        }
        if (_debug)
        {
            WriteLine(category, message.ReplaceLineEndings(" ") + (exception is null ? "" : " " + exception.ToString().ReplaceLineEndings(" ")), at ?? DateTime.UtcNow);
            return;
        }
        var text = AkkaPrefix().Replace(message, "", 1).ReplaceLineEndings(" ");
        WriteLine(http && level < LogLevel.Warning ? "http" : Level(level), text, at ?? DateTime.UtcNow);
    }

    private void WriteLine(string level, string message, DateTime at)
    {
        lock (_lock)
        {
            if (_toFile) _writer.Write(at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z' ", CultureInfo.InvariantCulture));
            _writer.Write(level);
            _writer.Write(": ");
            _writer.WriteLine(message);
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Critical or LogLevel.Error => "error",
        LogLevel.Warning => "warning",
        LogLevel.Information => "info",
        _ => "debug",
    };

    // [WARNING][12/01/2026 10:52:00.863Z][Thread 0007][akka://openstack-actors/user/cli] (LogSource, when Akka adds it)
    [GeneratedRegex(@"^\[[A-Z]+\]\[[^\]]*\]\[Thread [^\]]*\]\[[^\]]*\]\s*")]
    private static partial Regex AkkaPrefix();

    private sealed class FlushMarker
    {
        public string Id { get; } = "openstack-actors log flush " + Guid.NewGuid().ToString("N");

        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override string ToString() => Id;
    }

    private sealed class Logger(ToolLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log.Log(category, logLevel, state, exception, formatter);
    }
}
