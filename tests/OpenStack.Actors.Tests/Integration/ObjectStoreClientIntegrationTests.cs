extern alias testkit;

using System.Net;
using System.Text;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using Xunit;
using OpenStack.Actors.Http;
using testkit::OpenStack.Actors.TestKit;
using static OpenStack.Actors.Tests.Integration.ObjectStoreTestSupport;

namespace OpenStack.Actors.Tests.Integration;

/// <summary>ObjectStoreClient against the real Swift of scripts/devcloud.sh.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ObjectStoreClientIntegrationTests() : ObjectStoreClientSuite(new DevCloudSwift());

/// <summary>The same tests against the TestKit's in-memory Swift, under the real session.</summary>
public sealed class ObjectStoreClientInMemoryTests() : ObjectStoreClientSuite(new InMemorySwift())
{
    [Fact]
    public async Task A_listing_of_a_store_that_caps_its_pages_below_the_limit_is_complete()
    {
        var capped = new InMemorySwift(new InMemoryCloudOptions { Store = new InMemoryObjectStoreOptions { PageCap = 7 } });
        var client = capped.Client(Sys);
        await client.CreateContainerAsync("c");
        var names = Enumerable.Range(0, 50).Select(i => $"o{i:D3}").ToList();
        foreach (var n in names) await client.PutObjectAsync("c", n, RequestBody.FromText(n));

        var listed = new List<string>();
        await foreach (var e in client.ListObjectsAsync("c", new ListOptions { PageSize = 20 })) listed.Add(e.Name);

        Assert.Equal(names, listed);
        Assert.Equal(7, (await client.ListObjectsPageAsync("c", new ListOptions { PageSize = 20 })).Entries.Count);
    }
}

/// <summary>ObjectStoreClient against a Swift: names, metadata, capabilities, errors, paging.</summary>
public abstract class ObjectStoreClientSuite(ISwiftUnderTest swift) : TestKit
{
    private ObjectStoreClient Client(Akka.Actor.ActorSystem system) => swift.Client(system);

    [Fact]
    public async Task Objects_with_awkward_names_round_trip_with_metadata()
    {
        var client = Client(Sys);
        var container = NewContainer("names") + " sp+&";
        try
        {
            Assert.True(await client.CreateContainerAsync(container));
            Assert.False(await client.CreateContainerAsync(container));   // idempotent: 202 the second time
            string[] names = ["plain", "dir/sub/with space.txt", "a+b&c=d?e#f%g", "ünï/名前.txt", "trailing dots.../x"];
            foreach (var name in names)
            {
                var put = await client.PutObjectAsync(container, name, RequestBody.FromText("content of " + name),
                    headers: new Dictionary<string, string> { ["X-Object-Meta-Origin"] = "test" });
                Assert.True(Checksums.SameETag(put.ETag, Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes("content of " + name)))));
            }

            var listed = new List<string>();
            await foreach (var e in client.ListObjectsAsync(container)) listed.Add(e.Name);
            Assert.Equal(names.Order(StringComparer.Ordinal), listed);

            foreach (var name in names)
            {
                var head = await client.HeadObjectAsync(container, name);
                Assert.NotNull(head);
                Assert.Equal("test", head.Metadata["origin"]);
                await using var download = await client.GetObjectAsync(container, name);
                Assert.Equal("content of " + name, await new StreamReader(download.Content).ReadToEndAsync());
            }

            await client.SetObjectMetadataAsync(container, names[1], new Dictionary<string, string> { ["Color"] = "blue" });
            var updated = await client.HeadObjectAsync(container, names[1]);
            Assert.Equal("blue", updated!.Metadata["color"]);
            Assert.False(updated.Metadata.ContainsKey("origin"));   // POST replaces the metadata

            Assert.True(await client.DeleteObjectAsync(container, names[2]));
            Assert.Null(await client.HeadObjectAsync(container, names[2]));
            Assert.False(await client.DeleteObjectAsync(container, names[2]));

            var containers = new List<ContainerEntry>();
            await foreach (var c in client.ListContainersAsync(new ListOptions { Prefix = container })) containers.Add(c);
            Assert.Equal(container, Assert.Single(containers).Name);
            var info = await client.GetContainerAsync(container);
            Assert.Equal(names.Length - 1, info.ObjectCount);
            var account = await client.GetAccountAsync();
            Assert.True(account.ContainerCount >= 1);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
        var gone = await Assert.ThrowsAsync<HttpErrorException>(() => client.GetContainerAsync(container));
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
    }

    [Fact]
    public async Task Large_objects_checksums_and_bulk_deletes_behave_as_Swifts_middlewares()
    {
        var client = Client(Sys);
        var container = NewContainer("xlo");
        var segments = SwiftNames.SegmentContainer(container);
        static string Md5Of(string s) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(s)));
        var downloads = Directory.CreateTempSubdirectory("os-dlo-").FullName;
        try
        {
            await client.CreateContainerAsync(container);
            await client.CreateContainerAsync(segments);
            await client.PutObjectAsync(segments, "big/1", RequestBody.FromText("first "));
            await client.PutObjectAsync(segments, "big/2", RequestBody.FromText("second"));
            var wrongMd5 = await Assert.ThrowsAsync<ChecksumMismatchException>(() =>
                client.PutObjectAsync(container, "refused", RequestBody.FromText("data"), md5: Md5Of("other")));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, Assert.IsType<HttpErrorException>(wrongMd5.InnerException).Status);
            Assert.Null(await client.HeadObjectAsync(container, "refused"));

            // A Static Large Object: validated segment by segment, its ETag the MD5 of the segments' MD5s.
            var bad = await Assert.ThrowsAsync<HttpErrorException>(() => client.PutManifestAsync(container, "slo",
                [new SloSegment($"/{segments}/big/1", Md5Of("first "), 6), new SloSegment($"/{segments}/big/2", Md5Of("wrong"), 6)]));
            Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
            Assert.Contains("Etag Mismatch", bad.Message);
            SloSegment[] parts = [new($"/{segments}/big/1", Md5Of("first "), 6), new($"/{segments}/big/2", Md5Of("second"), 6)];
            var slo = await client.PutManifestAsync(container, "slo", parts);
            Assert.Equal(Checksums.SloETag([Md5Of("first "), Md5Of("second")]), slo.ETag);
            var head = await client.HeadObjectAsync(container, "slo");
            Assert.True(head!.IsStaticLargeObject);
            Assert.Equal(12, head.ContentLength);
            Assert.Equal(parts.Select(p => p.Path), (await client.GetManifestAsync(container, "slo"))!.Select(p => p.Path));
            await using (var download = await client.GetObjectAsync(container, "slo"))
                Assert.Equal("first second", await new StreamReader(download.Content).ReadToEndAsync());
            var listed = await client.ListObjectsPageAsync(container, new ListOptions { Prefix = "slo" });
            Assert.Equal(12, Assert.Single(listed.Entries).Bytes);

            // A Dynamic Large Object: the objects under its prefix in name order, listed as its own empty manifest.
            await client.PutObjectAsync(container, "dlo", RequestBody.FromText(""),
                headers: new Dictionary<string, string> { ["X-Object-Manifest"] = $"{segments}/big/" });
            var dlo = await client.HeadObjectAsync(container, "dlo");
            Assert.Equal($"{segments}/big/", dlo!.DynamicManifest);
            Assert.Equal(12, dlo.ContentLength);
            Assert.Equal(Md5Of(Md5Of("first ") + Md5Of("second")), dlo.ETag);
            Assert.Equal(2, (await client.ListDynamicSegmentsAsync(dlo.DynamicManifest!)).Count);
            var local = Path.Combine(downloads, "dlo");
            await client.DownloadToFileAsync(container, "dlo", local);
            Assert.Equal("first second", await File.ReadAllTextAsync(local));

            // A bulk delete: the DLO manifest goes, a missing name is not found, a container with objects is refused.
            var result = await client.BulkDeleteAsync([(container, "dlo"), (container, "never there"), (segments, null)]);
            Assert.Equal(1, result.Deleted);
            Assert.Equal(1, result.NotFound);
            var refused = Assert.Single(result.Items, i => i.Outcome == BulkDeleteOutcome.Failed);
            Assert.Null(refused.Name);
            Assert.Contains("409", refused.Reason);
            Assert.Null(await client.HeadObjectAsync(container, "dlo"));

            // The SLO with its segments: both gone.
            Assert.True(await client.DeleteObjectAsync(container, "slo", withSegments: true));
            Assert.Empty(await SegmentsLeftAsync(client, container));
            Assert.False(await client.DeleteObjectAsync(container, "slo", withSegments: true));
        }
        finally
        {
            Directory.Delete(downloads, true);
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task Capabilities_come_from_the_clusters_info()
    {
        var caps = await Client(Sys).GetCapabilitiesAsync();
        Assert.True(caps.FromCluster);
        Assert.True(caps.SloSupported);
        Assert.Equal(1000, caps.MaxManifestSegments);
        Assert.Equal(256, caps.MaxContainerNameLength);
        Assert.Contains("slo", caps.Middleware);
    }

    [Fact]
    public async Task A_container_name_swift_rejects_is_a_clear_error()
    {
        var client = Client(Sys);
        var tooLong = new string('x', 300);
        var e = await Assert.ThrowsAsync<HttpErrorException>(() => client.CreateContainerAsync(tooLong));
        Assert.Equal(HttpStatusCode.BadRequest, e.Status);
        Assert.Contains("Container name length of 300 longer than 256", e.Message);

        var slash = await Assert.ThrowsAsync<InvalidObjectNameException>(() => client.CreateContainerAsync("a/b"));
        Assert.Contains("'a/b'", slash.Message);
    }

    [Fact]
    public async Task A_listing_of_many_objects_pages_correctly_with_a_small_limit()
    {
        var client = Client(Sys);
        var container = NewContainer("paging");
        const int count = 1000;
        try
        {
            await client.CreateContainerAsync(container);
            var names = Enumerable.Range(0, count).Select(i => $"p{i % 3}/obj {i:D5}&").ToList();
            await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 32 },
                async (n, ct) => await client.PutObjectAsync(container, n, RequestBody.FromText(n), cancellationToken: ct));

            var listed = new List<string>();
            await foreach (var e in client.ListObjectsAsync(container, new ListOptions { PageSize = 100 })) listed.Add(e.Name);
            Assert.Equal(names.Order(StringComparer.Ordinal), listed);

            var page = await client.ListObjectsPageAsync(container, new ListOptions { PageSize = 100, Prefix = "p1/" });
            Assert.Equal(100, page.Entries.Count);
            Assert.Equal(page.Entries[^1].Name, page.NextMarker);
            var prefixed = new List<string>();
            await foreach (var e in client.ListObjectsAsync(container, new ListOptions { PageSize = 100, Prefix = "p1/" })) prefixed.Add(e.Name);
            Assert.Equal(names.Where(n => n.StartsWith("p1/")).Order(StringComparer.Ordinal), prefixed);

            var dirs = new List<ObjectEntry>();
            await foreach (var e in client.ListObjectsAsync(container, new ListOptions { Delimiter = '/', PageSize = 2 })) dirs.Add(e);
            Assert.Equal(["p0/", "p1/", "p2/"], dirs.Select(d => d.Subdir));
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }
}
