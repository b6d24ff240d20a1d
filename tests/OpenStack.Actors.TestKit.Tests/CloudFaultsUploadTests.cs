using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Akka.TestKit;
using OpenStack.Actors.Config;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using Xunit;
using Xunit.Abstractions;
using AkkaTestKit = Akka.TestKit.Xunit2.TestKit;

namespace OpenStack.Actors.TestKit.Tests;

/// <summary>The REAL batch uploader, object-store client and session over the fake cloud, with a two-minute outage of
/// the object store played in virtual time: the run pauses, probes, resumes after the outage and stores everything.</summary>
public sealed class CloudFaultsUploadTests : AkkaTestKit
{
    private const int Files = 20;
    private readonly string _source = Directory.CreateTempSubdirectory("cloudfaults-").FullName;

    private readonly ITestOutputHelper _output;

    public CloudFaultsUploadTests(ITestOutputHelper output) : base(OpenStackTestConfig.VirtualTime)
    {
        _output = output;
    }

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    [Fact]
    public async Task A_batch_upload_of_a_directory_survives_a_two_minute_outage_without_waiting_for_it()
    {
        var cloud = new FakeCloudHandler(new FakeCloudOptions { Clock = () => Sys.Scheduler.Now });
        cloud.When(HttpMethod.Put, "/v1/AUTH_demo/photos").Reply(201);
        cloud.When(HttpMethod.Head, "/v1/AUTH_demo/photos").Reply(204);
        for (var i = 0; i < Files; i++)
        {
            var content = Encoding.UTF8.GetBytes($"picture number {i}");
            File.WriteAllBytes(Path.Combine(_source, $"p{i:00}.jpg"), content);
            cloud.When(HttpMethod.Put, $"/v1/AUTH_demo/photos/p{i:00}.jpg").Reply(201).WithHeader("ETag", Convert.ToHexStringLower(MD5.HashData(content)));
        }
        var faults = new CloudFaults(Sys, cloud);
        faults.Latency(TimeSpan.FromSeconds(1)).OnMethod(HttpMethod.Put).OnUrl("*/photos/*");   // each file takes a second to send
        faults.Down("object-store", from: TimeSpan.FromSeconds(5), to: TimeSpan.FromSeconds(125));

        // The batch's outage monitor waits out the outage, not the session: one attempt per request, and no breaker in
        // the way, so that the monitor's probes are the only timers besides the layer's latency.
        var settings = SessionSettings.Default with { MaxAttempts = 1, BreakerMaxFailures = 1000 };
        var session = new OpenStackSession(Sys.ActorOf(SessionActor.Props(cloud.PasswordAuthenticator(), settings, faults)), settings);
        var uploader = new BatchUploader(new ObjectStoreClient(session), Sys);
        var wall = Stopwatch.StartNew();
        var run = await uploader.StartAsync(new UploadJob(_source, "photos") { Settings = ObjectStoreSettings.Default with { Transfers = 2 } });

        var driving = Stopwatch.StartNew();
        var paused = await DriveAsync(faults, run);
        var summary = await run.Completion;
        driving.Stop();

        Assert.True(summary.Success, string.Join("; ", summary.Failures.Select(f => f.Reason)));
        Assert.Equal(Files, summary.Transferred);
        Assert.True(paused);
        var outage = Assert.Single(summary.Outages);
        Assert.Equal(faults.Start + TimeSpan.FromSeconds(5), outage.Start);
        Assert.InRange(outage.Duration, TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(120 + 36));   // until the first probe after it
        Assert.All(Enumerable.Range(0, Files), i =>
            Assert.Single(cloud.Requests, r => r.Method == HttpMethod.Put && r.Url.AbsolutePath == $"/v1/AUTH_demo/photos/p{i:00}.jpg"));
        var refused = faults.Injected.Where(f => f.Kind == FaultKind.Down).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, f => Assert.InRange(f.Request.At - faults.Start, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(125)));
        Assert.True(faults.Elapsed > TimeSpan.FromSeconds(125));
        cloud.Verify();
        _output.WriteLine($"{Files} files, an outage of {outage.Duration.TotalSeconds:0.#} s from {(outage.Start - faults.Start).TotalSeconds:0} s, " +
            $"{faults.Requests.Count} requests ({refused.Count} refused), {faults.Elapsed.TotalSeconds:0.#} s of virtual time in {wall.Elapsed.TotalMilliseconds:0} ms of wall time " +
            $"({driving.Elapsed.TotalMilliseconds:0} ms from the first file on)");
        // A guard against real waiting, loose for a loaded machine: what takes wall time here is the cold start (JIT).
        Assert.True(wall.Elapsed < TimeSpan.FromSeconds(30), $"took {wall.Elapsed.TotalMilliseconds:0} ms of wall time");
    }

    [Fact]
    public async Task Over_the_in_memory_store_the_run_pauses_for_the_outage_and_every_object_is_stored_whole()
    {
        var cloud = new InMemoryCloud(new InMemoryCloudOptions { Clock = () => Sys.Scheduler.Now });
        for (var i = 0; i < Files; i++) File.WriteAllText(Path.Combine(_source, $"p{i:00}.jpg"), $"picture number {i}");
        var faults = new CloudFaults(Sys, cloud.CreateHandler());
        faults.Latency(TimeSpan.FromSeconds(1)).OnMethod(HttpMethod.Put).OnUrl("*/photos/*");
        faults.Down("object-store", from: TimeSpan.FromSeconds(5), to: TimeSpan.FromSeconds(125));
        var settings = SessionSettings.Default with { MaxAttempts = 1, BreakerMaxFailures = 1000 };
        var session = new OpenStackSession(Sys.ActorOf(SessionActor.Props(cloud.PasswordAuthenticator(), settings, faults)), settings);
        var run = await new BatchUploader(new ObjectStoreClient(session), Sys)
            .StartAsync(new UploadJob(_source, "photos") { Settings = ObjectStoreSettings.Default with { Transfers = 2 } });

        Assert.True(await DriveAsync(faults, run));
        var summary = await run.Completion;

        Assert.True(summary.Success, string.Join("; ", summary.Failures.Select(f => f.Reason)));
        Assert.InRange(Assert.Single(summary.Outages).Duration, TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(120 + 36));
        Assert.Equal(Enumerable.Range(0, Files).Select(i => $"p{i:00}.jpg"), cloud.Store.ObjectNames(cloud.Account, "photos"));
        Assert.All(Enumerable.Range(0, Files), i =>
            Assert.Equal($"picture number {i}", Encoding.UTF8.GetString(cloud.Store.ReadObject(cloud.Account, "photos", $"p{i:00}.jpg")!)));
        Assert.NotEqual(0, faults.Count(FaultKind.Down));
    }

    /// <summary>Moves virtual time to the next thing the run waits for, once it waits for it (a file's latency or the
    /// next probe), until the run ends; true when the run was seen paused.</summary>
    private async Task<bool> DriveAsync(CloudFaults faults, TransferRun run)
    {
        var paused = false;
        while (!run.Completion.IsCompleted)
        {
            await AwaitConditionAsync(() => run.Completion.IsCompleted || NextDue(faults, run) is not null, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(1));
            paused |= run.Endpoint.Health == EndpointHealth.Down;
            if (NextDue(faults, run) is { } due) Clock.Advance(due - Sys.Scheduler.Now);
        }
        return paused;
    }

    /// <summary>The earliest future instant the run waits for, or null while it is busy.</summary>
    private DateTimeOffset? NextDue(CloudFaults faults, TransferRun run)
    {
        var now = Sys.Scheduler.Now;
        var probe = run.Endpoint.NextProbe is { } p && p > now ? p : (DateTimeOffset?)null;
        var latency = faults.NextDue;
        return probe is null ? latency : latency is null || probe < latency ? probe : latency;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) Directory.Delete(_source, recursive: true);
    }
}
