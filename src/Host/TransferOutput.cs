using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using OpenStack.Actors.ObjectStore;
using Spectre.Console;

namespace OpenStack.Actors.Host;

/// <summary>Shows a running transfer: a live bar in a terminal, a plain line every interval otherwise.</summary>
public static class ProgressDisplay
{
    /// <summary>Shows progress until <paramref name="run"/> completes.</summary>
    /// <param name="console">Where to show it (its error stream).</param>
    /// <param name="run">The transfer.</param>
    /// <param name="verb">"uploaded" or "downloaded".</param>
    /// <param name="totals">Files and bytes in all, when a count is running beside the transfer (for the ETA).</param>
    /// <param name="interval">Time between plain lines.</param>
    public static async Task ShowAsync(CliConsole console, TransferRun run, string verb, Task<(long Files, long Bytes)>? totals, TimeSpan interval)
    {
        if (console.Interactive) await LiveAsync(console, run, verb, totals).ConfigureAwait(false);
        else await PlainAsync(console, run, verb, totals, interval).ConfigureAwait(false);
    }

    private static async Task PlainAsync(CliConsole console, TransferRun run, string verb, Task<(long Files, long Bytes)>? totals, TimeSpan interval)
    {
        while (await Task.WhenAny(run.Completion, Task.Delay(interval)).ConfigureAwait(false) != run.Completion)
            console.ErrorWriter.WriteLine("progress: " + Line(run.Progress.Snapshot(), verb, Known(totals)) + Health(run.Endpoint, DateTimeOffset.UtcNow));
    }

    private static async Task LiveAsync(CliConsole console, TransferRun run, string verb, Task<(long Files, long Bytes)>? totals)
    {
        await console.Error.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(verb, maxValue: 1);
                task.IsIndeterminate = true;
                while (true)
                {
                    var s = run.Progress.Snapshot();
                    var total = Known(totals);
                    if (total is { } t)
                    {
                        task.IsIndeterminate = false;
                        task.MaxValue = Math.Max(1, t.Bytes);
                        task.Value = Processed(s, t);
                    }
                    task.Description = Markup.Escape(Line(s, verb, total, eta: false) + Health(run.Endpoint, DateTimeOffset.UtcNow));
                    if (run.Completion.IsCompleted) break;
                    await Task.WhenAny(run.Completion, Task.Delay(250)).ConfigureAwait(false);
                }
                task.StopTask();
            }).ConfigureAwait(false);
    }

    /// <summary>Bytes dealt with so far: finished files, or what was sent and skipped when that is further along (a large file in flight).</summary>
    private static long Processed(TransferProgressSnapshot s, (long Files, long Bytes)? total) =>
        Math.Min(total?.Bytes ?? long.MaxValue, Math.Max(s.BytesDone, s.BytesSent + s.BytesSkipped));

    private static (long Files, long Bytes)? Known(Task<(long Files, long Bytes)>? totals) =>
        totals is { IsCompletedSuccessfully: true } ? totals.Result : null;

    /// <summary>What the run waits for while its endpoint is down: <c>; waiting for URL: down for 23 s, next probe in 4 s</c>;
    /// empty while it is up.</summary>
    public static string Health(EndpointStatus e, DateTimeOffset now)
    {
        var endpoint = e.Endpoint ?? "the endpoint";
        return e.Health switch
        {
            EndpointHealth.Probing => $"; {endpoint} failed ({e.Cause}): checking it before going on",
            EndpointHealth.Down => $"; waiting for {endpoint}: down for {Seconds(now - (e.DownSince ?? now))}" +
                (e.NextProbe is { } next ? $", next probe in {Seconds(next - now)}" : ", probing") + $" (last error: {e.Cause})",
            EndpointHealth.GaveUp => $"; {endpoint} down for longer than the outage budget: finishing without it",
            _ => "",
        };

        static string Seconds(TimeSpan t) => $"{Math.Max(0, t.TotalSeconds):0} s";
    }

    /// <summary>One progress line: files (of the total), bytes, files/s, MB/s and ETA.</summary>
    public static string Line(TransferProgressSnapshot s, string verb, (long Files, long Bytes)? total, bool eta = true)
    {
        var seconds = Math.Max(0.001, s.Elapsed.TotalSeconds);
        var files = total is { } t ? $"{s.FilesDone}/{t.Files} files" : $"{s.FilesDone} files";
        var notAttempted = s.NotAttempted > 0 ? $", not attempted {s.NotAttempted}" : "";
        var line = $"{files} ({verb} {s.Transferred}, skipped {s.Skipped}, failed {s.Failed}{notAttempted}), {ByteSize.Format(s.BytesSent)} sent, " +
            $"{(s.BytesSent / seconds / 1e6).ToString("0.0", CultureInfo.InvariantCulture)} MB/s, " +
            $"{(s.FilesDone / seconds).ToString("0.0", CultureInfo.InvariantCulture)} files/s, {s.InFlight} in flight";
        var processed = Processed(s, total);
        if (eta && total is { Bytes: > 0 } tb && processed > 0)
        {
            var remaining = TimeSpan.FromSeconds(seconds * Math.Max(0, tb.Bytes - processed) / processed);
            line += $", ETA {remaining:hh\\:mm\\:ss}";
        }
        return line;
    }
}

/// <summary>Prints the end of a transfer: the summary line and a table of failures.</summary>
public static class SummaryPrinter
{
    /// <summary>Rows of the failure table at most (the report has all of them).</summary>
    public const int MaxRows = 50;

    /// <summary>Prints <c>Uploaded: N  Skipped: M  Failed: K</c>, totals, and the failures.</summary>
    public static void Print(CliConsole console, string verb, TransferSummary s)
    {
        var o = console.Out;
        o.WriteLine($"{verb}: {s.Transferred}  Skipped: {s.Skipped}  Failed: {s.Failed}" + (s.NotAttempted > 0 ? $"  Not attempted: {s.NotAttempted}" : ""));
        var seconds = Math.Max(0.001, s.Elapsed.TotalSeconds);
        // A rate only for a run that sent something: "0.0 MB/s" says nothing.
        var rate = s.TransferredBytes > 0 ? $" ({(s.TransferredBytes / seconds / 1e6).ToString("0.0", CultureInfo.InvariantCulture)} MB/s)" : "";
        o.WriteLine($"{ByteSize.Format(s.TransferredBytes)} {verb.ToLowerInvariant()}, {ByteSize.Format(s.SkippedBytes)} skipped in " +
            $"{s.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s{rate}");
        PrintPlanned(console, s);
        PrintOutages(console, s);
        if (s.Interrupted) o.WriteLine("Interrupted: not every file was seen; run the same command again to complete the job.");
        PrintFailures(console, s);
    }

    /// <summary>A dry run's closing line: how much a real run would transfer or delete.</summary>
    public static void PrintPlanned(CliConsole console, TransferSummary s)
    {
        if (s.Planned > 0) console.Out.WriteLine($"Dry run: {s.Planned} would be sent, deleted or fetched ({ByteSize.Format(s.PlannedBytes)}); nothing was written.");
    }

    /// <summary>Prints each file a dry run would transfer or delete as it is decided: <c>would upload: NAME (SIZE)</c>.</summary>
    public static void PrintPlan(CliConsole console, FileResult result)
    {
        if (result is not FilePlanned p) return;
        var what = p.Action switch { TransferAction.Upload => "upload", TransferAction.Download => "download", _ => "delete" };
        var size = p.Action == TransferAction.Delete ? "" : $" ({ByteSize.Format(p.Bytes)})";
        console.Out.WriteLine($"would {what}: {Redaction.Printable(p.ObjectName ?? p.Path)}{size}");
    }

    /// <summary>One line per outage of the run, and the reason it stopped early if it did.</summary>
    public static void PrintOutages(CliConsole console, TransferSummary s)
    {
        var o = console.Out;
        foreach (var outage in s.Outages)
            o.WriteLine($"Outage: paused at {outage.Start.ToUniversalTime():HH:mm:ss} UTC for {outage.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s " +
                $"({Redaction.Printable(outage.Cause)})");
        if (s.OutageBudgetExceeded is { } why)
            o.WriteLine($"Stopped: {Redaction.Printable(why)}. {s.NotAttempted} not attempted (the --report file lists them); " +
                "run the same command again to complete the job.");
    }

    /// <summary>The table of failures (the first <see cref="MaxRows"/>).</summary>
    public static void PrintFailures(CliConsole console, TransferSummary s)
    {
        if (s.Failures.Count == 0) return;
        var o = console.Out;
        var table = new Table().AddColumn("Failed").AddColumn("Reason");
        foreach (var f in s.Failures.Take(MaxRows)) table.AddRow(Markup.Escape(Redaction.Printable(f.ObjectName ?? f.Path)), Markup.Escape(Redaction.Printable(f.Reason)));
        o.Write(table);
        if (s.Failed > MaxRows) o.WriteLine($"... and {s.Failed - MaxRows} more failures (the --report file lists them all).");
    }

    /// <summary>Exit code of a run that stopped because its endpoint was down for longer than the outage budget
    /// (rclone's "temporary error": a rerun may complete it).</summary>
    public const int OutageExitCode = 5;

    /// <summary>The exit code: 0 all done, 5 stopped by an outage longer than the budget, 1 something else failed,
    /// 130 interrupted (as shells report Ctrl-C).</summary>
    public static int ExitCode(TransferSummary s) =>
        s.OutageBudgetExceeded is not null ? OutageExitCode : s.Failed > 0 ? 1 : s.Interrupted ? 130 : 0;
}

/// <summary>
/// The per-file JSON report, written as results arrive so memory stays flat: a header, every result, then the summary.
/// Holds paths, names, sizes, ETags and reasons; never a token or credential.
/// </summary>
public sealed class ReportWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly Utf8JsonWriter _json;
    private readonly object _lock = new();
    private bool _finished;

    private ReportWriter(string path, string operation, string source, string destination)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _stream = new FileStream(full, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        _json = new Utf8JsonWriter(_stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        _json.WriteStartObject();
        _json.WriteString("operation", operation);
        _json.WriteString("source", source);
        _json.WriteString("destination", destination);
        _json.WriteString("started", DateTimeOffset.UtcNow);
        _json.WriteStartArray("files");
    }

    /// <summary>Starts a report file (replacing one that exists).</summary>
    public static ReportWriter Create(string path, string operation, string source, string destination)
    {
        try
        {
            return new ReportWriter(path, operation, source, destination);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"--report {path}: {e.Message}");
        }
    }

    /// <summary>Appends one result.</summary>
    public void Write(FileResult r)
    {
        lock (_lock)
        {
            if (_finished) return;
            _json.WriteStartObject();
            _json.WriteString("status", r.Status.Name());
            _json.WriteString("path", r.Path);
            if (r.ObjectName is not null) _json.WriteString("object", r.ObjectName);
            _json.WriteNumber("bytes", r.Bytes);
            switch (r)
            {
                case FileUploaded u:
                    _json.WriteString("etag", u.ETag);
                    if (u.Segments > 0)
                    {
                        _json.WriteNumber("segments", u.Segments);
                        _json.WriteNumber("segmentsReused", u.SegmentsReused);
                    }
                    _json.WriteNumber("seconds", Math.Round(u.Elapsed.TotalSeconds, 3));
                    if (u.Warning is not null) _json.WriteString("warning", u.Warning);
                    break;
                case FileDownloaded d:
                    if (d.ETag is not null) _json.WriteString("etag", d.ETag);
                    _json.WriteNumber("seconds", Math.Round(d.Elapsed.TotalSeconds, 3));
                    break;
                case FileSkipped s:
                    _json.WriteString("reason", s.Reason);
                    break;
                case FileFailed f:
                    _json.WriteString("reason", f.Reason);
                    break;
                case FileNotAttempted n:
                    _json.WriteString("reason", n.Reason);
                    break;
            }
            _json.WriteEndObject();
            if (_json.BytesPending > 1 << 16) _json.Flush();
        }
    }

    /// <summary>Closes the list and writes the summary.</summary>
    public void Finish(TransferSummary s)
    {
        lock (_lock)
        {
            if (_finished) return;
            _finished = true;
            _json.WriteEndArray();
            _json.WriteStartObject("summary");
            _json.WriteNumber("transferred", s.Transferred);
            _json.WriteNumber("transferredBytes", s.TransferredBytes);
            _json.WriteNumber("skipped", s.Skipped);
            _json.WriteNumber("skippedBytes", s.SkippedBytes);
            _json.WriteNumber("failed", s.Failed);
            _json.WriteNumber("notAttempted", s.NotAttempted);
            _json.WriteNumber("seconds", Math.Round(s.Elapsed.TotalSeconds, 3));
            _json.WriteBoolean("interrupted", s.Interrupted);
            if (s.OutageBudgetExceeded is not null) _json.WriteString("outageBudgetExceeded", s.OutageBudgetExceeded);
            _json.WriteStartArray("outages");
            foreach (var outage in s.Outages)
            {
                _json.WriteStartObject();
                _json.WriteString("start", outage.Start);
                _json.WriteNumber("seconds", Math.Round(outage.Duration.TotalSeconds, 3));
                _json.WriteString("cause", outage.Cause);
                _json.WriteEndObject();
            }
            _json.WriteEndArray();
            _json.WriteEndObject();
            _json.WriteString("finished", DateTimeOffset.UtcNow);
            _json.WriteEndObject();
            _json.Flush();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            _json.Dispose();
            _stream.Dispose();
        }
    }
}
