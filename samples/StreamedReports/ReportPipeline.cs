using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using OpenStack.Actors.Config;
using OpenStack.Actors.Hosting;
using OpenStack.Actors.Http;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;

namespace StreamedReports;

/// <summary>What the pipeline did: reports stored and failed, and how far the producer ever ran ahead of Swift.</summary>
/// <param name="Uploaded">Reports stored, each verified by its MD5.</param>
/// <param name="Failures">The reports that failed, with why.</param>
/// <param name="MostAhead">The most reports produced but not yet stored at any moment: bounded by the flow's parallelism
/// and buffers, however fast the producer is.</param>
/// <param name="Listed">The reports the container lists afterwards (through the listing source).</param>
public sealed record PipelineResult(int Uploaded, IReadOnlyList<string> Failures, int MostAhead, int Listed);

/// <summary>
/// An application that produces reports and stores each in Swift as soon as it exists, in one Akka.Streams graph:
/// a source generates them lazily, <see cref="ObjectStoreStreams.Upload(ObjectStoreClient, string, ObjectStoreSettings?)"/> stores them (a few at once, so Swift's pace
/// holds the producer back), and the results flow on to a sink. A kill switch stops the producer (Ctrl-C in
/// <c>Program.cs</c>): the reports in flight are stored, no new one is made.
/// </summary>
public static class ReportPipeline
{
    /// <summary>Produces <paramref name="reports"/> reports and uploads them to <paramref name="container"/> of the cloud named in clouds.yaml.</summary>
    /// <param name="cloud">The cloud's name in clouds.yaml.</param>
    /// <param name="container">The container (created if missing).</param>
    /// <param name="reports">How many reports to produce.</param>
    /// <param name="environment">OS_* variables in place of the process's, or null.</param>
    /// <param name="stop">Cancelling it stops the producer; what is in flight is stored.</param>
    public static async Task<PipelineResult> RunAsync(string cloud, string container, int reports, IReadOnlyDictionary<string, string?>? environment = null,
        CancellationToken stop = default)
    {
        using var system = ActorSystem.Create("reports", "akka.loglevel = WARNING");
        var config = CloudConfig.Load(cloud, environment);
        var session = OpenStackExtension.Get(system).CreateSession(config.CreateAuthenticator(), "reports", config.ApplyTo(SessionSettings.Create(system)));
        var swift = new ObjectStoreClient(session, config.Filter("object-store"));
        var settings = swift.Settings with { Transfers = 4 };

        var produced = 0;
        var stored = 0;
        var mostAhead = 0;
        var failures = new List<string>();
        var (killSwitch, done) = Source.From(Enumerable.Range(1, reports))
            .ViaMaterialized(KillSwitches.Single<int>(), Keep.Right)
            .Select(n =>
            {
                var ahead = Interlocked.Increment(ref produced) - Volatile.Read(ref stored);
                if (ahead > mostAhead) mostAhead = ahead;
                return Report(n);
            })
            .Via(ObjectStoreStreams.Upload(swift, container, settings))
            .ToMaterialized(Sink.ForEach<FileResult>(result =>
            {
                Interlocked.Increment(ref stored);
                if (result is not FileUploaded) failures.Add($"{result.ObjectName}: {result.Status.Name()} {(result as FileFailed)?.Reason}");
            }), Keep.Both)
            .Run(system.Materializer());
        await using (stop.Register(killSwitch.Shutdown).ConfigureAwait(false))
        {
            await done.ConfigureAwait(false);
        }

        // Read back through the listing source, every page of it. A run stopped before its first report made no container.
        var listed = 0;
        try
        {
            listed = await ObjectStoreStreams.Listing(swift, container, new ListOptions { Prefix = "reports/" })
                .RunWith(Sink.Aggregate<ObjectEntry, int>(0, (n, _) => n + 1), system.Materializer()).ConfigureAwait(false);
        }
        catch (HttpErrorException e) when (e.Status == HttpStatusCode.NotFound)
        {
        }
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance).ConfigureAwait(false);
        return new PipelineResult(stored - failures.Count, failures, mostAhead, listed);
    }

    /// <summary>Report <paramref name="n"/>: a CSV made in memory, with its MD5 so Swift verifies what it stores.</summary>
    private static UploadItem Report(int n)
    {
        var csv = new StringBuilder("hour,requests,errors\n");
        var random = new Random(n);
        for (var hour = 0; hour < 24; hour++)
            csv.Append(CultureInfo.InvariantCulture, $"{hour},{random.Next(1000, 100_000)},{random.Next(0, 50)}\n");
        var bytes = Encoding.UTF8.GetBytes(csv.ToString());
        return UploadItem.FromBytes($"reports/{n:D5}.csv", bytes) with
        {
            Md5 = Convert.ToHexStringLower(MD5.HashData(bytes)),
            Headers = new Dictionary<string, string> { ["Content-Type"] = "text/csv", ["X-Object-Meta-Report"] = n.ToString(CultureInfo.InvariantCulture) },
        };
    }
}
