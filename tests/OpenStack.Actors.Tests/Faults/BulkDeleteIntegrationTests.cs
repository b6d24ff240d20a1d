using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using OpenStack.Actors.Http;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Tests.Integration;
using Xunit;
using Xunit.Abstractions;

namespace OpenStack.Actors.Tests.Faults;

/// <summary>
/// Bulk delete on the dev cloud, whose proxy pipeline has the bulk middleware; a proxy in front of Swift counts the
/// requests and plays a cluster without it (an /info that does not list bulk_delete, or no /info at all). The dev Swift
/// checks every sub-request of a bulk delete with Keystone, so it deletes no faster in bulk than one by one: the
/// containers hold hundreds of objects, not thousands, and the number of requests is what the tests prove.
/// </summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class BulkDeleteIntegrationTests(ITestOutputHelper output) : FaultTestBase(output)
{
    private string AccountPath => $"/v1/AUTH_{DemoProjectId}";

    private static int BulkPosts(FaultProxy proxy) =>
        proxy.Exchanges.Count(e => e.Method == "POST" && e.Request.Target.EndsWith("?bulk-delete", StringComparison.Ordinal));

    private int ObjectDeletes(FaultProxy proxy, string container) =>
        proxy.Exchanges.Count(e => e.Method == "DELETE" && e.Path.StartsWith($"{AccountPath}/{container}/", StringComparison.Ordinal));

    private static async Task<TransferSummary> DeleteAllAsync(ObjectStoreClient client, Akka.Actor.ActorSystem system, string container,
        ObjectStoreSettings settings, ConcurrentQueue<FileResult>? results = null)
    {
        var run = await new BatchDeleter(client, system).StartAsync(new DeleteJob(container) { Settings = settings }, results is null ? null : results.Enqueue);
        return await run.Completion;
    }

    private static string Failures(TransferSummary s) => string.Join("; ", s.Failures.Take(5).Select(f => $"{f.ObjectName}: {f.Reason}"));

    [Fact]
    public async Task A_container_is_deleted_with_one_bulk_request_and_its_large_object_with_its_segments()
    {
        const int objects = 300;
        var container = await ContainerWithObjectsAsync("bulk", objects);
        var segments = SwiftNames.SegmentContainer(container);
        await Direct.CreateContainerAsync(segments);
        var parts = new List<SloSegment>();
        foreach (var i in new[] { 1, 2 })
        {
            var put = await Direct.PutObjectAsync(segments, $"large/{i}", RequestBody.FromText(new string((char)('a' + i), 100)));
            parts.Add(new SloSegment($"/{segments}/large/{i}", put.ETag, 100));
        }
        await Direct.PutManifestAsync(container, "large", parts);
        var proxy = Proxy(SwiftUrl);
        var client = new ObjectStoreClient(Session(), Via(proxy));
        var clock = Clock();

        var summary = await DeleteAllAsync(client, Sys, container, Upload());

        Assert.True(summary.Success, Failures(summary));
        Assert.Equal(objects + 1, summary.Transferred);
        Assert.Equal(1, BulkPosts(proxy));
        // The only DELETE of an object is the large object's own, which takes its segments with it.
        Assert.Equal(1, ObjectDeletes(proxy, container));
        Assert.Contains(proxy.Exchanges, e => e.Method == "DELETE" && e.Request.Target == $"{AccountPath}/{container}/large?multipart-manifest=delete");
        Assert.Empty(await StoredAsync(container));
        Assert.Empty(await StoredAsync(segments));
        Report($"bulk delete: {objects + 1} objects in {clock.Elapsed.TotalSeconds:F1} s, {proxy.Exchanges.Count} requests");
    }

    [Fact]
    public async Task The_setting_and_the_clusters_limit_cap_the_names_of_a_request()
    {
        const int objects = 250;
        var container = await ContainerWithObjectsAsync("batched", objects);
        var proxy = Proxy(SwiftUrl);
        var client = new ObjectStoreClient(Session(), Via(proxy));

        var summary = await DeleteAllAsync(client, Sys, container, Upload() with { BulkDeleteMaxPerRequest = 100 });

        Assert.True(summary.Success, Failures(summary));
        Assert.Equal(objects, summary.Transferred);
        Assert.Equal(3, BulkPosts(proxy));   // 100, 100 and 50
        Assert.Equal(0, ObjectDeletes(proxy, container));
        Assert.Empty(await StoredAsync(container));

        // A cluster whose bulk middleware takes 10 names a request, below the setting.
        const int fewer = 25;
        var small = await ContainerWithObjectsAsync("capped", fewer);
        var capped = Proxy(SwiftUrl, r => r.Path == "/info" ? new FaultAction.Forward { RewriteResponseBody = b => EditInfo(b, i => i["bulk_delete"]!["max_deletes_per_request"] = 10) } : FaultAction.Pass);
        var cappedClient = new ObjectStoreClient(Session(), Via(capped));

        var cappedSummary = await DeleteAllAsync(cappedClient, Sys, small, Upload() with { BulkDeleteMaxPerRequest = 100 });

        Assert.True(cappedSummary.Success, Failures(cappedSummary));
        Assert.Equal(fewer, cappedSummary.Transferred);
        Assert.Equal(3, BulkPosts(capped));   // 10, 10 and 5
        Assert.Empty(await StoredAsync(small));
    }

    [Theory]
    [InlineData("without bulk_delete")]
    [InlineData("without info")]
    public async Task A_cluster_without_bulk_delete_gets_one_delete_per_object(string cluster)
    {
        const int objects = 20;
        var container = await ContainerWithObjectsAsync("single", objects);
        var proxy = Proxy(SwiftUrl, r => r.Path != "/info" ? FaultAction.Pass
            : cluster == "without info" ? FaultAction.Answer(404)
            : new FaultAction.Forward { RewriteResponseBody = b => EditInfo(b, i => i.Remove("bulk_delete")) });
        var client = new ObjectStoreClient(Session(), Via(proxy));

        var summary = await DeleteAllAsync(client, Sys, container, Upload());

        Assert.True(summary.Success, Failures(summary));
        Assert.Equal(objects, summary.Transferred);
        Assert.Equal(0, BulkPosts(proxy));
        Assert.Equal(objects, ObjectDeletes(proxy, container));
        Assert.Empty(await StoredAsync(container));
    }

    [Fact]
    public async Task Each_name_of_a_bulk_request_gets_its_own_outcome()
    {
        var container = await ContainerWithObjectsAsync("outcomes", 3);
        var full = await ContainerWithObjectsAsync("full", 1);
        var empty = Container("empty");
        await Direct.CreateContainerAsync(empty);

        var result = await Direct.BulkDeleteAsync([(container, "o000"), (container, "o001"), (container, "not there"), (full, null), (empty, null)]);

        Assert.Equal([BulkDeleteOutcome.Deleted, BulkDeleteOutcome.Deleted, BulkDeleteOutcome.Deleted, BulkDeleteOutcome.Failed, BulkDeleteOutcome.Deleted],
            result.Items.Select(i => i.Outcome));
        Assert.Equal((3, 1), (result.Deleted, result.NotFound));   // the empty container is one of the three deleted
        Assert.Equal("409 Conflict", result.Items[3].Reason);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, Assert.IsType<HttpErrorException>(result.Items[3].Error).Status);
        Assert.Equal(["o002"], (await StoredAsync(container)).Keys);
        Assert.Single(await StoredAsync(full));
        await Assert.ThrowsAsync<HttpErrorException>(() => Direct.GetContainerAsync(empty));

        var again = await Direct.BulkDeleteAsync([(container, "o000"), (container, "o001")]);
        Assert.All(again.Items, i => Assert.Equal(BulkDeleteOutcome.NotFound, i.Outcome));
    }

    [Fact]
    public async Task A_name_that_fails_transiently_in_a_bulk_request_is_tried_again_and_the_others_are_not()
    {
        const int objects = 30;
        var container = await ContainerWithObjectsAsync("transient", objects);
        var victim = $"/{container}/o007";
        var first = 0;
        // Swift's answer to the first bulk request is rewritten as if one name had met a sick object server.
        var proxy = Proxy(SwiftUrl, r => r.Method == "POST" && Interlocked.Increment(ref first) == 1
            ? new FaultAction.Forward { RewriteResponseBody = b => EditAnswer(b, victim) }
            : FaultAction.Pass);
        var client = new ObjectStoreClient(Session(), Via(proxy));
        var results = new ConcurrentQueue<FileResult>();

        var summary = await DeleteAllAsync(client, Sys, container, Upload(), results);

        Assert.True(summary.Success, Failures(summary));
        Assert.Equal(objects, summary.Transferred + summary.Skipped);
        Assert.Equal(2, BulkPosts(proxy));
        // The second request held that name alone; Swift had in fact deleted it, so it was not found.
        var retried = Assert.Single(results, r => r.ObjectName == "o007");
        Assert.Equal(new FileSkipped($"{container}/o007", "o007", 0, "not found"), retried);
        Assert.Equal(objects, results.Select(r => r.ObjectName).Distinct().Count());
        Assert.Empty(await StoredAsync(container));
    }

    [Fact]
    public async Task A_delete_batch_rides_out_a_killed_swift_and_deletes_every_object()
    {
        const int objects = 60;
        var container = await ContainerWithObjectsAsync("delete", objects);
        var proxy = Proxy(SwiftUrl);
        var firstAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.Completed += e =>
        {
            if (e.Method == "POST" && e.Status == 200) firstAnswered.TrySetResult();
        };
        // One attempt a request, so that the run itself meets the outage, not the session's retries.
        var client = new ObjectStoreClient(Session(Settings(s => s with { MaxAttempts = 1 })), Via(proxy));
        // Twelve requests of five, one at a time: the outage falls among them.
        var settings = Upload(transfers: 4) with { BulkDeleteMaxPerRequest = 5, BulkDeleteRequests = 1 };

        var run = await new BatchDeleter(client, Sys).StartAsync(new DeleteJob(container) { Settings = settings });
        await firstAnswered.Task;
        proxy.Kill();                                   // connections reset, new ones refused
        Assert.False(run.Completion.IsCompleted, "the run ended before the outage");
        await Task.Delay(TimeSpan.FromSeconds(5));      // the outage itself
        proxy.Restart();
        var summary = await run.Completion;

        Assert.True(summary.Failed == 0 && summary.NotAttempted == 0, Failures(summary));
        Assert.NotEmpty(summary.Outages);   // the run paused, probed and resumed
        Assert.Equal(objects, summary.Transferred + summary.Skipped);   // a request whose answer was lost finds some names gone the second time
        Assert.Empty(await StoredAsync(container));
    }

    [Fact]
    public async Task The_old_segments_of_a_replaced_large_object_go_in_one_bulk_request()
    {
        var root = TempDir();
        var file = Path.Combine(root, "big.bin");
        ObjectStoreTestSupport.WriteRandom(file, 3 * (1L << 20) + 10, 1);
        var container = Container("replaced");
        var proxy = Proxy(SwiftUrl);
        var client = new ObjectStoreClient(Session(), Via(proxy));
        var settings = Upload(transfers: 4, segmentSize: 1L << 20);
        var (first, _) = await UploadAsync(client, Sys, root, container, settings);
        Assert.True(first.Success, Failures(first));
        var segments = SwiftNames.SegmentContainer(container);
        var old = (await StoredAsync(segments)).Keys.ToList();
        Assert.Equal(4, old.Count);

        ObjectStoreTestSupport.WriteRandom(file, 2 * (1L << 20) + 20, 2);   // another size: no old segment fits
        var postsBefore = BulkPosts(proxy);
        var (second, results) = await UploadAsync(client, Sys, root, container, settings);

        Assert.True(second.Success, Failures(second));
        var uploaded = Assert.IsType<FileUploaded>(Assert.Single(results));
        Assert.Null(uploaded.Warning);
        Assert.Equal(1, BulkPosts(proxy) - postsBefore);
        Assert.Equal(0, ObjectDeletes(proxy, segments));
        var now = (await StoredAsync(segments)).Keys.ToList();
        Assert.Equal(3, now.Count);
        Assert.Empty(now.Intersect(old));
        var downloaded = Path.Combine(TempDir(), "big.bin");
        await Direct.DownloadToFileAsync(container, "big.bin", downloaded);
        Assert.Equal(ObjectStoreTestSupport.Md5(file), ObjectStoreTestSupport.Md5(downloaded));
    }

    private static byte[] EditInfo(byte[] body, Action<JsonObject> edit)
    {
        var info = JsonNode.Parse(body)!.AsObject();
        edit(info);
        return Encoding.UTF8.GetBytes(info.ToJsonString());
    }

    /// <summary>A bulk delete's answer (spaces first) with <paramref name="victim"/> failed with 503, as Swift reports a sick object server.</summary>
    private static byte[] EditAnswer(byte[] body, string victim)
    {
        var answer = JsonNode.Parse(Encoding.UTF8.GetString(body).Trim())!.AsObject();
        answer["Response Status"] = "502 Bad Gateway";
        answer["Number Deleted"] = answer["Number Deleted"]!.GetValue<int>() - 1;
        answer["Errors"]!.AsArray().Add(new JsonArray(victim, "503 Service Unavailable"));
        return Encoding.UTF8.GetBytes("   \r\n\r\n" + answer.ToJsonString());
    }
}
