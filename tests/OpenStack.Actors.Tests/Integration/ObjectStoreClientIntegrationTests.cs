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
