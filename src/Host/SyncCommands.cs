using System.CommandLine;
using System.Net;
using OpenStack.Actors.Http;
using OpenStack.Actors.ObjectStore;
using Akka.Streams;
using Akka.Streams.Dsl;
using Spectre.Console;

namespace OpenStack.Actors.Host;

/// <summary><c>sync</c> and <c>check</c>: a directory against a container (or a pseudo-directory of one), as rclone's.</summary>
public static class SyncCommands
{
    /// <summary><c>sync &lt;dir&gt; &lt;container&gt;[/prefix]</c>: upload what is new or changed, then delete the objects under
    /// the prefix that have no local file.</summary>
    public static Command Sync(CliConsole console)
    {
        var dir = new Argument<string>("dir") { Description = "Directory to make the container match" };
        var target = Target();
        var transfers = Cli.PositiveOption("--transfers", "Parallel transfers (default 16)");
        var segmentSize = Cli.SizeOption("--segment-size", "Files above this become Static Large Objects of segments this size (default 1GiB)");
        var changed = new Option<bool>("--changed") { Description = "Skip objects of the same size and mtime (no local hashing)" };
        var report = new Option<string?>("--report") { Description = "Write every file's result (uploads and deletes) and the summary to this JSON file" };
        var maxDelete = Cli.CountOption("--max-delete", "Delete nothing if more than this many objects would go (default: no limit)");
        var (outageBudget, retries) = TransferCommands.ResilienceOptions();
        var dryRun = TransferCommands.DryRunOption("uploaded and deleted");
        var filters = new FilterOptions();
        var command = new Command("sync", "Make a container (or a prefix of it) match a directory: upload what is new or changed, then delete " +
            "the objects that have no local file (only after every upload succeeded)")
        {
            dir, target, transfers, segmentSize, changed, report, maxDelete, outageBudget, retries, dryRun,
        };
        filters.AddTo(command);
        command.SetAction(Cli.WithCloud(console, async (parse, cloud) =>
        {
            var (source, container, prefix, filter) = Sides(parse, dir, target, filters, console);
            var settings = TransferCommands.Settings(cloud, parse.GetValue(transfers), parse.GetValue(segmentSize),
                parse.GetValue(changed) ? SkipMode.Changed : SkipMode.Md5, parse.GetValue(outageBudget), parse.GetValue(retries));
            var dry = parse.GetValue(dryRun);
            using var reportWriter = parse.GetValue(report) is { } r ? ReportWriter.Create(r, "sync", Path.GetFullPath(source), parse.GetValue(target)!) : null;
            using var abandon = new CancellationTokenSource();

            // Every object name the walk produced, whatever became of the file: those objects stay.
            var local = new HashSet<string>(StringComparer.Ordinal);
            void OnResult(FileResult res)
            {
                reportWriter?.Write(res);
                SummaryPrinter.PrintPlan(console, res);
                if (res.ObjectName is { } name) local.Add(name);
            }
            var job = new UploadJob(source, container) { Prefix = prefix, Settings = settings, Filter = filter, DryRun = dry };
            var run = await new BatchUploader(cloud.ObjectStore, cloud.System).StartAsync(job, OnResult, abandon.Token).ConfigureAwait(false);
            var uploaded = await TransferCommands.WatchAsync(console, cloud, run, abandon, "uploaded", null).ConfigureAwait(false);
            SummaryPrinter.Print(console, "Uploaded", uploaded);
            if (!uploaded.Success)
            {
                console.Out.WriteLine("Not deleting anything: not every file was uploaded; run the same command again to complete the sync.");
                reportWriter?.Finish(uploaded);
                return Math.Max(1, SummaryPrinter.ExitCode(uploaded));
            }

            var extras = await ExtrasAsync(cloud, container, ListPrefix(prefix), filter, local).ConfigureAwait(false);
            if (parse.GetValue(maxDelete) is { } max && extras.Count > max)
            {
                console.ErrorWriter.WriteLine($"error: the sync would delete {extras.Count} objects, more than --max-delete {max}; nothing was deleted");
                reportWriter?.Finish(uploaded);
                return 1;
            }
            var deleteJob = new DeleteJob(container) { Listed = extras, Settings = settings, DryRun = dry };
            var deletes = await new BatchDeleter(cloud.ObjectStore, cloud.System).StartAsync(deleteJob, res =>
            {
                reportWriter?.Write(res);
                SummaryPrinter.PrintPlan(console, res);
            }, abandon.Token).ConfigureAwait(false);
            var deleted = await TransferCommands.WatchAsync(console, cloud, deletes, abandon, "deleted", null).ConfigureAwait(false);
            console.Out.WriteLine(dry
                ? $"Dry run: {deleted.Planned} objects would be deleted; nothing was deleted."
                : $"Deleted: {deleted.Transferred}  Not found: {deleted.Skipped}  Failed: {deleted.Failed}" +
                  (deleted.NotAttempted > 0 ? $"  Not attempted: {deleted.NotAttempted}" : ""));
            SummaryPrinter.PrintOutages(console, deleted);
            SummaryPrinter.PrintFailures(console, deleted);
            reportWriter?.Finish(uploaded);
            return Math.Max(SummaryPrinter.ExitCode(uploaded), SummaryPrinter.ExitCode(deleted));
        }));
        return command;
    }

    /// <summary><c>check &lt;dir&gt; &lt;container&gt;[/prefix]</c>: compares without writing and lists what is missing, extra or different.</summary>
    public static Command Check(CliConsole console)
    {
        var dir = new Argument<string>("dir") { Description = "Directory to compare" };
        var target = Target();
        var sizeOnly = new Option<bool>("--size-only") { Description = "Compare sizes only (no hashing); by default MD5s, segment by segment for large objects" };
        var transfers = Cli.PositiveOption("--transfers", "Files compared at once (default 16)");
        var (outageBudget, retries) = TransferCommands.ResilienceOptions();
        var filters = new FilterOptions();
        var command = new Command("check", "Compare a directory with a container (or a prefix of it) without changing either: lists the files missing " +
            "from the container, the objects with no local file, and those that differ; exit 1 if any")
        {
            dir, target, sizeOnly, transfers, outageBudget, retries,
        };
        filters.AddTo(command);
        command.SetAction(Cli.WithCloud(console, async (parse, cloud) =>
        {
            var (source, container, prefix, filter) = Sides(parse, dir, target, filters, console);
            var stored = new Dictionary<string, ObjectEntry>(StringComparer.Ordinal);
            foreach (var e in await ListAsync(cloud, container, ListPrefix(prefix), filter).ConfigureAwait(false)) stored[e.Name] = e;

            var counts = new CheckCounts();
            var local = new HashSet<string>(StringComparer.Ordinal);
            if (parse.GetValue(sizeOnly))
            {
                foreach (var entry in LocalFiles.Walk(Path.GetFullPath(source), prefix, filter))
                {
                    local.Add(entry.ObjectName);
                    if (entry is LocalFile f) counts.Compared(console, f.ObjectName, stored.TryGetValue(f.ObjectName, out var e) ? e.Bytes == f.Length : null);
                    else if (entry is LocalProblem p) counts.Error(console, p.ObjectName, p.Reason);
                }
            }
            else
            {
                // The upload's own skip decision, in a dry run: what it would send differs from (or is missing in) the container.
                var settings = TransferCommands.Settings(cloud, parse.GetValue(transfers), null, SkipMode.Md5, parse.GetValue(outageBudget), parse.GetValue(retries));
                var job = new UploadJob(source, container) { Prefix = prefix, Settings = settings, Filter = filter, DryRun = true };
                using var abandon = new CancellationTokenSource();
                var run = await new BatchUploader(cloud.ObjectStore, cloud.System).StartAsync(job, res =>
                {
                    if (res.ObjectName is not { } name) return;
                    local.Add(name);
                    switch (res)
                    {
                        case FilePlanned: counts.Compared(console, name, stored.ContainsKey(name) ? false : null); break;
                        case FileSkipped s when s.Reason.StartsWith("identical", StringComparison.Ordinal): counts.Compared(console, name, true); break;
                        case FileFailed or FileNotAttempted: counts.Error(console, name, res is FileFailed failed ? failed.Reason : "not compared"); break;
                    }
                }, abandon.Token).ConfigureAwait(false);
                var summary = await TransferCommands.WatchAsync(console, cloud, run, abandon, "compared", null).ConfigureAwait(false);
                SummaryPrinter.PrintOutages(console, summary);
            }
            foreach (var name in stored.Keys.Where(n => !local.Contains(n) && !n.EndsWith('/')).Order(StringComparer.Ordinal))
                counts.Extra(console, name);
            console.Out.WriteLine(counts.ToString());
            return counts.Clean ? 0 : 1;
        }));
        return command;
    }

    /// <summary>The directory (which must exist), the container and prefix, and the filter of a sync or check.</summary>
    private static (string Source, string Container, string? Prefix, TransferFilter? Filter) Sides(ParseResult parse, Argument<string> dir,
        Argument<string> target, FilterOptions filters, CliConsole console)
    {
        var source = parse.GetValue(dir)!;
        if (!Directory.Exists(source)) throw new CliUsageException($"'{source}' is not a directory");
        var (container, prefix) = SplitTarget(parse.GetValue(target)!);
        return (source, container, prefix, filters.Build(parse, console));
    }

    private static Argument<string> Target() =>
        new("container") { Description = "Container, or container/prefix for the objects under a pseudo-directory" };

    /// <summary><c>photos/2024</c>: container <c>photos</c>, prefix <c>2024</c> (object names <c>2024/...</c>).</summary>
    internal static (string Container, string? Prefix) SplitTarget(string target)
    {
        var slash = target.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return (target, null);
        var prefix = target[(slash + 1)..].Trim('/');
        return (target[..slash], prefix.Length == 0 ? null : prefix);
    }

    /// <summary>The listing prefix of a pseudo-directory: with its <c>/</c>, so <c>2024</c> does not take <c>2024-old/...</c>.</summary>
    private static string? ListPrefix(string? prefix) => prefix is null ? null : SwiftNames.JoinPrefix(prefix, "");

    /// <summary>The objects under the prefix that the filter takes (the listing stage the downloads and deletes read); none
    /// when the container does not exist.</summary>
    private static async Task<IReadOnlyList<ObjectEntry>> ListAsync(CloudConnection cloud, string container, string? listPrefix, TransferFilter? filter)
    {
        try
        {
            return await ObjectStoreStreams.Listing(cloud.ObjectStore, container, new ListOptions { Prefix = listPrefix }, filter)
                .RunWith(Sink.Seq<ObjectEntry>(), cloud.System.Materializer()).ConfigureAwait(false);
        }
        catch (HttpErrorException e) when (e.Status == HttpStatusCode.NotFound)
        {
            // Nothing stored yet: nothing extra.
            return [];
        }
    }

    /// <summary>The objects a sync deletes: listed under the prefix, taken by the filter (rclone keeps what its filters leave
    /// out), with no local file; pseudo-directory markers stay.</summary>
    private static async Task<List<ObjectEntry>> ExtrasAsync(CloudConnection cloud, string container, string? listPrefix, TransferFilter? filter,
        HashSet<string> local) =>
        (await ListAsync(cloud, container, listPrefix, filter).ConfigureAwait(false))
            .Where(e => !local.Contains(e.Name) && !e.Name.EndsWith('/'))
            .ToList();

    /// <summary>What a check found, printed one line per difference as it is found.</summary>
    private sealed class CheckCounts
    {
        private long _same, _differ, _missing, _extra, _errors;

        public bool Clean => _differ + _missing + _extra + _errors == 0;

        /// <summary><paramref name="same"/>: true identical, false different, null not stored.</summary>
        public void Compared(CliConsole console, string name, bool? same)
        {
            switch (same)
            {
                case true: _same++; break;
                case false:
                    _differ++;
                    console.Out.WriteLine($"differs: {Redaction.Printable(name)}");
                    break;
                default:
                    _missing++;
                    console.Out.WriteLine($"missing: {Redaction.Printable(name)}");
                    break;
            }
        }

        public void Extra(CliConsole console, string name)
        {
            _extra++;
            console.Out.WriteLine($"extra: {Redaction.Printable(name)}");
        }

        public void Error(CliConsole console, string name, string reason)
        {
            _errors++;
            console.Out.WriteLine($"error: {Redaction.Printable(name)}: {Redaction.Printable(reason)}");
        }

        public override string ToString() =>
            $"Same: {_same}  Differ: {_differ}  Missing: {_missing}  Extra: {_extra}" + (_errors > 0 ? $"  Errors: {_errors}" : "") +
            (Clean ? "" : $"  ({_differ + _missing + _extra + _errors} differences)");
    }
}
