using System.CommandLine;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using Spectre.Console;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Host;

/// <summary>upload, download and delete.</summary>
public static class TransferCommands
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    /// <summary><c>upload &lt;dir|file|-&gt; &lt;container&gt;</c>.</summary>
    public static Command Upload(CliConsole console)
    {
        var sourceArg = new Argument<string>("source")
        {
            Description = "Directory to upload (object names are the paths below it, with /), one file, or - for standard input (needs --object-name)",
        };
        var container = new Argument<string>("container") { Description = "Container (created if missing; large objects' segments go to <container>_segments)" };
        var prefix = new Option<string?>("--prefix") { Description = "Put before every object name, as a pseudo-directory" };
        var objectName = new Option<string?>("--object-name") { Description = "The object name of a single file (default: its file name) or of standard input (required with -)" };
        var transfers = Cli.PositiveOption("--transfers", "Parallel transfers (default 16, or openstack.object-store.transfers)");
        var segmentSize = Cli.SizeOption("--segment-size", "Files above this become Static Large Objects of segments this size (default 1GiB); standard input is read one segment at a time");
        var force = new Option<bool>("--force") { Description = "Upload every file, even those stored already" };
        var changed = new Option<bool>("--changed") { Description = "Skip objects of the same size and mtime (no local hashing)" };
        var identical = new Option<bool>("--skip-identical") { Description = "Skip objects of the same MD5 (the default)" };
        var report = new Option<string?>("--report") { Description = "Write every file's result and the summary to this JSON file" };
        var (outageBudget, retries) = ResilienceOptions();
        var dryRun = DryRunOption("uploaded");
        var cluster = new Option<bool>("--cluster")
        {
            Description = "Spread the upload over an Akka.NET cluster: this node walks the directory (a path every node sees) and hands files " +
                "to this node and to the nodes started with upload-worker (see docs/cluster.md)",
        };
        var minNodes = Cli.PositiveOption("--min-nodes", "With --cluster: wait until this many nodes have joined before starting (default 1)");
        var clusterOptions = new ClusterOptions(coordinator: true);
        var filters = new FilterOptions();
        var headerOptions = new HeaderOptions();
        var command = new Command("upload", "Upload a directory tree, a file or standard input to a container, skipping what is stored already")
        {
            sourceArg, container, prefix, objectName, transfers, segmentSize, force, changed, identical, report, outageBudget, retries, dryRun, cluster, minNodes,
        };
        filters.AddTo(command);
        headerOptions.AddTo(command);
        clusterOptions.AddTo(command);
        command.Validators.Add(r =>
        {
            var modes = new[] { force, changed, identical }.Count(o => r.GetValue(o));
            if (modes > 1) r.AddError("Choose at most one of --force, --changed and --skip-identical");
            if (r.GetValue(dryRun) && r.GetValue(cluster)) r.AddError("--dry-run runs on this node only: leave out --cluster");
            if (!r.GetValue(cluster) && (r.GetValue(minNodes) is not null || r.GetValue(clusterOptions.Host) is not null || r.GetValue(clusterOptions.Port) is not null
                    || r.GetValue(clusterOptions.Seeds) is { Length: > 0 }))
                r.AddError("--min-nodes, --cluster-host, --cluster-port and --seed-node go with --cluster");
            if (r.GetValue(cluster) && (r.GetValue(headerOptions.Header) is { Length: > 0 } || r.GetValue(headerOptions.Meta) is { Length: > 0 } || r.GetValue(objectName) is not null))
                r.AddError("--cluster uploads a directory with no --header, --meta or --object-name");
            headerOptions.Validate(r);
            if (r.GetValue(sourceArg) != "-") return;
            if (r.GetValue(objectName) is null) r.AddError("upload - needs --object-name: standard input has no name");
            if (r.GetValue(cluster)) r.AddError("--cluster walks a directory: it cannot read standard input");
            if (r.GetValue(dryRun)) r.AddError("--dry-run decides file by file: standard input is always sent");
            if (filters.AnyGiven(r)) r.AddError("Filters select files: standard input is one stream");
            if (r.GetValue(changed) || r.GetValue(identical)) r.AddError("Standard input is always sent: --changed and --skip-identical compare files");
        });
        command.SetAction(Cli.WithCloud(console, parse => parse.GetValue(cluster) ? clusterOptions.Config(parse, parse.GetValue(minNodes)) : null, async (parse, cloud) =>
        {
            var source = parse.GetValue(sourceArg)!;
            var target = parse.GetValue(container)!;
            var headers = headerOptions.Build(parse);
            var name = parse.GetValue(objectName);
            var settings = Settings(cloud, parse.GetValue(transfers), parse.GetValue(segmentSize),
                parse.GetValue(force) ? SkipMode.None : parse.GetValue(changed) ? SkipMode.Changed : parse.GetValue(identical) ? SkipMode.Md5 : null,
                parse.GetValue(outageBudget), parse.GetValue(retries));
            using var reportWriter = parse.GetValue(report) is { } r ? ReportWriter.Create(r, "upload", source == "-" ? "-" : Path.GetFullPath(source), target) : null;
            using var abandon = new CancellationTokenSource();
            if (source == "-")
            {
                var streamJob = new StreamUploadJob(target, SwiftNames.JoinPrefix(parse.GetValue(prefix), name!)) { Settings = settings, Headers = headers };
                await using var input = console.OpenInputStream();
                var streamRun = await new BatchUploader(cloud.ObjectStore, cloud.System).StartAsync(streamJob, input, res => reportWriter?.Write(res), abandon.Token)
                    .ConfigureAwait(false);
                return Finish(console, reportWriter, await WatchAsync(console, cloud, streamRun, abandon, "uploaded", null).ConfigureAwait(false));
            }
            var isFile = File.Exists(source);
            if (!isFile && !Directory.Exists(source)) throw new CliUsageException($"'{source}' is neither a directory nor a file (- reads standard input)");
            if (!isFile && name is not null) throw new CliUsageException($"--object-name names one object, and '{source}' is a directory");
            if (isFile && parse.GetValue(cluster)) throw new CliUsageException($"--cluster walks a directory, and '{source}' is a file");
            var filter = filters.Build(parse, console);
            var job = new UploadJob(source, target) { Prefix = parse.GetValue(prefix), ObjectName = name, Settings = settings, Filter = filter, Headers = headers, DryRun = parse.GetValue(dryRun) };
            var clusterRun = parse.GetValue(cluster)
                ? await ClusterCommands.StartUploadAsync(console, cloud, job, parse.GetValue(minNodes) ?? 1, res => reportWriter?.Write(res), abandon.Token).ConfigureAwait(false)
                : null;
            var run = clusterRun?.Run
                ?? await new BatchUploader(cloud.ObjectStore, cloud.System).StartAsync(job, res =>
                {
                    reportWriter?.Write(res);
                    SummaryPrinter.PrintPlan(console, res);
                }, abandon.Token).ConfigureAwait(false);

            using var counting = new CancellationTokenSource();
            var totals = Task.Run(() => LocalFiles.Count(source, filter, counting.Token), counting.Token);
            var summary = await WatchAsync(console, cloud, run, abandon, "uploaded", totals).ConfigureAwait(false);
            await counting.CancelAsync().ConfigureAwait(false);
            var code = Finish(console, reportWriter, summary);
            if (clusterRun is not null) ClusterCommands.PrintShares(console, await clusterRun.Completion.ConfigureAwait(false));
            return code;
        }));
        return command;
    }

    private static int Finish(CliConsole console, ReportWriter? reportWriter, TransferSummary summary)
    {
        reportWriter?.Finish(summary);
        SummaryPrinter.Print(console, "Uploaded", summary);
        return SummaryPrinter.ExitCode(summary);
    }

    /// <summary><c>download &lt;container&gt; &lt;dir&gt;</c>.</summary>
    public static Command Download(CliConsole console)
    {
        var container = new Argument<string>("container") { Description = "Container to download" };
        var dir = new Argument<string>("dir") { Description = "Directory to write into (created if missing)" };
        var prefix = new Option<string?>("--prefix") { Description = "Only objects whose names start with this" };
        var transfers = Cli.PositiveOption("--transfers", "Parallel transfers (default 16)");
        var force = new Option<bool>("--force") { Description = "Download every object, even when a local file has the same MD5" };
        var report = new Option<string?>("--report") { Description = "Write every object's result and the summary to this JSON file" };
        var (outageBudget, retries) = ResilienceOptions();
        var dryRun = DryRunOption("downloaded");
        var filters = new FilterOptions();
        var command = new Command("download", "Download a container's objects into a directory tree")
        {
            container, dir, prefix, transfers, force, report, outageBudget, retries, dryRun,
        };
        filters.AddTo(command);
        command.SetAction(Cli.WithCloud(console, async (parse, cloud) =>
        {
            var filter = filters.Build(parse, console);
            var settings = Settings(cloud, parse.GetValue(transfers), null, parse.GetValue(force) ? SkipMode.None : SkipMode.Md5,
                parse.GetValue(outageBudget), parse.GetValue(retries));
            var source = parse.GetValue(container)!;
            var target = parse.GetValue(dir)!;
            using var reportWriter = parse.GetValue(report) is { } r ? ReportWriter.Create(r, "download", source, Path.GetFullPath(target)) : null;
            using var abandon = new CancellationTokenSource();
            var job = new DownloadJob(source, target) { Prefix = parse.GetValue(prefix), Settings = settings, Filter = filter, DryRun = parse.GetValue(dryRun) };
            var run = await new BatchDownloader(cloud.ObjectStore, cloud.System).StartAsync(job, res =>
            {
                reportWriter?.Write(res);
                SummaryPrinter.PrintPlan(console, res);
            }, abandon.Token).ConfigureAwait(false);
            var summary = await WatchAsync(console, cloud, run, abandon, "downloaded", null).ConfigureAwait(false);
            reportWriter?.Finish(summary);
            SummaryPrinter.Print(console, "Downloaded", summary);
            return SummaryPrinter.ExitCode(summary);
        }));
        return command;
    }

    /// <summary><c>delete &lt;container&gt; [&lt;object&gt;...]</c>.</summary>
    public static Command Delete(CliConsole console)
    {
        var container = new Argument<string>("container") { Description = "Container" };
        var objects = new Argument<string[]>("object") { Description = "Objects to delete; none: every object, then the container", Arity = ArgumentArity.ZeroOrMore };
        var transfers = Cli.PositiveOption("--transfers", "Parallel deletes (default 16)");
        var (outageBudget, retries) = ResilienceOptions();
        var dryRun = DryRunOption("deleted");
        var filters = new FilterOptions();
        var command = new Command("delete", "Delete objects (with their segments), those a filter selects, or a whole container")
        {
            container, objects, transfers, outageBudget, retries, dryRun,
        };
        filters.AddTo(command);
        command.Validators.Add(r =>
        {
            if (r.GetValue(objects) is { Length: > 0 } && filters.AnyGiven(r))
                r.AddError("Filters select from the container's listing: give object names or filter options, not both");
        });
        command.SetAction(Cli.WithCloud(console, async (parse, cloud) =>
        {
            var name = parse.GetValue(container)!;
            var names = parse.GetValue(objects) ?? [];
            var filter = filters.Build(parse, console);
            var settings = Settings(cloud, parse.GetValue(transfers), null, null, parse.GetValue(outageBudget), parse.GetValue(retries));
            // Without names the listing is streamed page by page while the deletes run, never held whole.
            var job = new DeleteJob(name) { Objects = names.Length > 0 ? names : null, Settings = settings, Filter = filter, DryRun = parse.GetValue(dryRun) };
            using var abandon = new CancellationTokenSource();
            var run = await new BatchDeleter(cloud.ObjectStore, cloud.System).StartAsync(job, res => SummaryPrinter.PrintPlan(console, res), abandon.Token)
                .ConfigureAwait(false);
            var summary = await WatchAsync(console, cloud, run, abandon, "deleted", null).ConfigureAwait(false);
            if (job.DryRun)
            {
                console.Out.WriteLine($"Dry run: {summary.Planned} objects would be deleted" +
                    (names.Length == 0 && filter is null ? $", then the container {name}" : "") + "; nothing was deleted.");
                return SummaryPrinter.ExitCode(summary);
            }
            // A filtered delete leaves the objects it did not select, so the container stays.
            if (names.Length == 0 && filter is null && summary.Success)
            {
                await cloud.ObjectStore.DeleteContainerAsync(name).ConfigureAwait(false);
                console.Out.WriteLine($"Deleted container {name}");
                await DeleteIfEmptyAsync(cloud.ObjectStore, SwiftNames.SegmentContainer(name), console).ConfigureAwait(false);
            }
            console.Out.WriteLine($"Deleted: {summary.Transferred}  Not found: {summary.Skipped}  Failed: {summary.Failed}" +
                (summary.NotAttempted > 0 ? $"  Not attempted: {summary.NotAttempted}" : ""));
            SummaryPrinter.PrintOutages(console, summary);
            SummaryPrinter.PrintFailures(console, summary);
            return SummaryPrinter.ExitCode(summary);
        }));
        return command;
    }

    internal static async Task DeleteIfEmptyAsync(ObjectStoreClient client, string container, CliConsole console)
    {
        try
        {
            if (await client.DeleteContainerAsync(container).ConfigureAwait(false)) console.Out.WriteLine($"Deleted container {container}");
        }
        catch (HttpErrorException e) when (e.Status == System.Net.HttpStatusCode.Conflict)
        {
            // Segments of objects in other containers live there too: leave it.
        }
    }

    /// <summary><c>--dry-run</c>, as rclone's: every decision made as in a real run, nothing written.</summary>
    internal static Option<bool> DryRunOption(string what) =>
        new("--dry-run", "-n") { Description = $"Show what would be {what} (each with its size) and change nothing" };

    internal static (Option<TimeSpan?> OutageBudget, Option<int?> Retries) ResilienceOptions() => (
        Cli.DurationOption("--outage-budget",
            "How long the run waits for a down endpoint (paused, probing) before it stops and lists what it did not attempt (default 15m)"),
        Cli.CountOption("--retries", "More attempts, at the end of the run, for files that failed with a transient error (default 3)"));

    internal static ObjectStoreSettings Settings(CloudConnection cloud, int? transfers, long? segmentSize, SkipMode? skip, TimeSpan? outageBudget = null,
        int? retries = null)
    {
        var s = cloud.ObjectStore.Settings;
        return s with
        {
            Transfers = transfers ?? s.Transfers,
            SegmentSize = segmentSize ?? s.SegmentSize,
            Skip = skip ?? s.Skip,
            OutageBudget = outageBudget ?? s.OutageBudget,
            Retries = retries ?? s.Retries,
        };
    }

    /// <summary>Shows progress until the run ends; Ctrl-C once stops it cleanly through CoordinatedShutdown, twice abandons the transfers in flight.</summary>
    internal static async Task<TransferSummary> WatchAsync(CliConsole console, CloudConnection cloud, TransferRun run, CancellationTokenSource abandon,
        string verb, Task<(long Files, long Bytes)>? totals)
    {
        cloud.OnShutdown(async () =>
        {
            run.Stop();
            // The shutdown only waits for the end: a run that failed is the command's to report, once.
            await ((Task)run.Completion).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        });
        void OnInterrupt(int count)
        {
            if (count == 1)
            {
                console.ErrorWriter.WriteLine("Stopping: no new files; waiting for the transfers in flight (Ctrl-C again to abandon them)...");
                _ = cloud.ShutdownAsync();
            }
            else
            {
                abandon.Cancel();
            }
        }
        using (console.OnInterrupt(OnInterrupt))
        {
            await ProgressDisplay.ShowAsync(console, run, verb, totals, ProgressInterval).ConfigureAwait(false);
            return await run.Completion.ConfigureAwait(false);
        }
    }
}
