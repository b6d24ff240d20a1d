using System.Runtime.InteropServices;
using Spectre.Console;

namespace OpenStack.Actors.Host;

/// <summary>
/// Where a command writes: results to <see cref="Out"/> (pipe-friendly), progress, warnings and errors to
/// <see cref="Error"/>; Ctrl-C arrives through <see cref="OnInterrupt"/>. Tests pass their own writers and interrupt by hand.
/// </summary>
public sealed class CliConsole
{
    private readonly Func<Stream> _openOutputStream;
    private readonly Func<Stream> _openInputStream;
    private static PosixSignalRegistration[] _signals = [];   // kept alive for the process's life
    private readonly List<Action<int>> _handlers = new();
    private int _interrupts;
    private volatile ToolLog? _log;

    /// <summary>Creates a console over two writers.</summary>
    /// <param name="out">Results.</param>
    /// <param name="error">Progress, warnings, errors.</param>
    /// <param name="interactive">True when a person watches a terminal: live progress bar instead of periodic lines.</param>
    /// <param name="environment">The environment variables (OS_CLOUD, OS_*...); null for the process's.</param>
    /// <param name="openOutputStream">Raw bytes to stdout (response bodies); null decodes UTF-8 into <paramref name="out"/>.</param>
    /// <param name="openInputStream">Raw bytes from stdin (<c>upload -</c>); null reads nothing (an empty stream).</param>
    public CliConsole(TextWriter @out, TextWriter error, bool interactive, IReadOnlyDictionary<string, string?>? environment = null,
        Func<Stream>? openOutputStream = null, Func<Stream>? openInputStream = null)
    {
        _openOutputStream = openOutputStream ?? (() => new WriterStream(@out));
        _openInputStream = openInputStream ?? (() => Stream.Null);
        OutWriter = @out;
        ErrorWriter = error;
        Interactive = interactive;
        Environment = environment;
        Out = Create(@out, interactive);
        Error = Create(error, interactive);
    }

    /// <summary>The process's console; Ctrl-C is routed to <see cref="OnInterrupt"/> handlers instead of killing the process.</summary>
    public static CliConsole System()
    {
        var interactive = !Console.IsErrorRedirected && !Console.IsOutputRedirected;
        var console = new CliConsole(Console.Out, Console.Error, interactive, openOutputStream: Console.OpenStandardOutput,
            openInputStream: Console.OpenStandardInput);
        // Ctrl-C (SIGINT) and SIGTERM: a transfer stops cleanly on the first and abandons its transfers on the second;
        // a third, or one while nothing listens (listing, connecting), ends the process as usual.
        void OnSignal(PosixSignalContext context)
        {
            bool listening;
            lock (console._handlers) listening = console._handlers.Count > 0 && console._interrupts < 2;
            context.Cancel = listening;
            if (listening) console.Interrupt();
        }
        _signals = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
        return console;
    }

    /// <summary>Results (tables, listings, summaries).</summary>
    public IAnsiConsole Out { get; }

    /// <summary>Progress, warnings and errors.</summary>
    public IAnsiConsole Error { get; }

    /// <summary>The raw result writer (bodies of <c>request</c>, plain listings).</summary>
    public TextWriter OutWriter { get; }

    /// <summary>The raw error writer.</summary>
    public TextWriter ErrorWriter { get; }

    /// <summary>True when attached to a terminal.</summary>
    public bool Interactive { get; }

    /// <summary>The environment to read the cloud from; null for the process's.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; }

    /// <summary>
    /// Calls <paramref name="handler"/> on every Ctrl-C with the count so far (1 = stop cleanly, 2 = abandon what is in
    /// flight); a Ctrl-C that came before is replayed at once, so pressing it while a command connects is not lost.
    /// Dispose the result to unsubscribe.
    /// </summary>
    public IDisposable OnInterrupt(Action<int> handler)
    {
        int count;
        lock (_handlers)
        {
            _handlers.Add(handler);
            count = _interrupts;
        }
        for (var i = 1; i <= count; i++) handler(i);
        return new Unsubscriber(this, handler);
    }

    /// <summary>Signals an interrupt, as Ctrl-C does.</summary>
    public void Interrupt()
    {
        Action<int>[] handlers;
        int count;
        lock (_handlers)
        {
            count = ++_interrupts;
            handlers = _handlers.ToArray();
        }
        foreach (var h in handlers) h(count);
    }

    private sealed class Unsubscriber(CliConsole console, Action<int> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (console._handlers) console._handlers.Remove(handler);
        }
    }

    /// <summary>A stream of raw bytes to the results (dispose it; the underlying output stays open).</summary>
    public Stream OpenOutputStream() => _openOutputStream();

    /// <summary>The raw bytes of standard input (dispose it; the underlying input stays open).</summary>
    public Stream OpenInputStream() => _openInputStream();

    /// <summary>Writes a warning line to <see cref="Error"/>, or to the <c>--log-file</c> while one is open.</summary>
    public void Warn(string message)
    {
        if (_log is { ToFile: true } log) log.Write("warning", message);
        else Error.MarkupLineInterpolated($"[yellow]Warning:[/] {message}");
    }

    /// <summary>Sends <see cref="Warn"/> to <paramref name="log"/> when it writes to a file; null returns them to <see cref="Error"/>.</summary>
    public void LogTo(ToolLog? log) => _log = log;

    private static IAnsiConsole Create(TextWriter writer, bool interactive)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        // Redirected output has no width: never wrap table cells (a token or url must stay on one line for scripts).
        if (!interactive) console.Profile.Width = 4096;
        return console;
    }
}

/// <summary>Bytes written to a TextWriter as UTF-8 text (for consoles that are not the process's).</summary>
internal sealed class WriterStream(TextWriter writer) : Stream
{
    private readonly System.Text.Decoder _decoder = System.Text.Encoding.UTF8.GetDecoder();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => writer.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        var chars = new char[_decoder.GetCharCount(buffer, offset, count)];
        var n = _decoder.GetChars(buffer, offset, count, chars, 0);
        writer.Write(chars, 0, n);
    }
}
