extern alias testkit;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Http;
using OpenStack.Actors.ObjectStore;
using testkit::OpenStack.Actors.TestKit;
using Xunit;

namespace OpenStack.Actors.Tests.ObjectStore;

/// <summary>The listings behind the upload's skip decision: one of the whole container when it is small, one per
/// directory (only the last few held) when it is large, and a HEAD per file where no listing can answer.</summary>
public sealed class ExistingObjectsTests : TestKit
{
    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    private static ObjectStoreSettings Settings(int limit, int perDirectoryAbove = 100_000) =>
        ObjectStoreSettings.Default with { PreloadListingLimit = limit, ListPerDirectoryAbove = perDirectoryAbove };

    /// <summary>Records the query of every container listing the session starts (its first page; a listing by prefix
    /// ends with an empty page, asked for with a marker).</summary>
    private sealed class ListingRecorder(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public ConcurrentQueue<string> Queries { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            // A container listing: GET /v1/AUTH_x/container, no object part.
            var query = WebUtility.UrlDecode(request.RequestUri.Query);
            if (request.Method == HttpMethod.Get && path.StartsWith("/v1/", StringComparison.Ordinal) && path.Count(ch => ch == '/') == 3
                && !query.Contains("marker=", StringComparison.Ordinal))
                Queries.Enqueue(query);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private async Task<(ObjectStoreClient Client, ListingRecorder Listings)> ContainerAsync(params (string Name, string Body)[] objects)
    {
        ListingRecorder? recorder = null;
        var client = new InMemoryCloud().CreateObjectStoreClient(Sys, wrap: h => recorder = new ListingRecorder(h));
        await client.CreateContainerAsync("c");
        foreach (var (name, body) in objects) await client.PutObjectAsync("c", name, RequestBody.FromBytes(Encoding.UTF8.GetBytes(body)));
        while (recorder!.Queries.TryDequeue(out _)) { }
        return (client, recorder);
    }

    [Fact]
    public async Task A_small_container_is_listed_once_and_answers_for_each_object()
    {
        var (client, listings) = await ContainerAsync(("same.txt", "same"), ("empty", ""), ("sub/é.txt", "accent"));

        var listed = await ExistingObjects.LoadAsync(client, "c", null, Settings(limit: 3), justCreated: false, CancellationToken.None);
        Assert.IsType<ExistingObjects.Whole>(listed);
        Assert.True((await listed.FindAsync("new.txt", default)).IsAbsent);
        var same = await listed.FindAsync("same.txt", default);
        Assert.False(same.IsAbsent);
        Assert.True(same.IsPlainOfLength(4));
        Assert.False(same.IsPlainOfLength(5));
        Assert.True(same.IsIdentical(4, Md5("same")));
        Assert.False(same.IsIdentical(4, Md5("diff")));
        Assert.True((await listed.FindAsync("sub/é.txt", default)).IsIdentical(6, Md5("accent")));
        // An empty object may be a DLO manifest: the listing does not decide it.
        var empty = await listed.FindAsync("empty", default);
        Assert.False(empty.IsAbsent);
        Assert.False(empty.IsPlainOfLength(0));
        Assert.Single(listings.Queries);
        Assert.DoesNotContain(listings.Queries, q => q.Contains("delimiter", StringComparison.Ordinal));

        var under = await ExistingObjects.LoadAsync(client, "c", "sub/", Settings(limit: 3), justCreated: false, CancellationToken.None);
        Assert.True((await under!.FindAsync("same.txt", default)).IsAbsent);
        Assert.False((await under.FindAsync("sub/é.txt", default)).IsAbsent);
        Assert.Null(await ExistingObjects.LoadAsync(client, "c", null, Settings(limit: 0), justCreated: false, CancellationToken.None));
    }

    [Fact]
    public async Task A_container_above_the_threshold_is_listed_a_directory_at_a_time_when_first_asked()
    {
        var (client, listings) = await ContainerAsync(("top.txt", "top"), ("a/one.txt", "one"), ("a/two.txt", "two"), ("a/b/deep.txt", "deep"),
            ("z/last.txt", "last"));

        var listed = await ExistingObjects.LoadAsync(client, "c", null, Settings(limit: 1000, perDirectoryAbove: 4), justCreated: false, CancellationToken.None);
        var perDirectory = Assert.IsType<ExistingObjects.PerDirectory>(listed);
        Assert.Empty(listings.Queries);   // nothing listed up front

        Assert.True((await listed.FindAsync("a/one.txt", default)).IsIdentical(3, Md5("one")));
        Assert.True((await listed.FindAsync("a/two.txt", default)).IsIdentical(3, Md5("two")));
        Assert.True((await listed.FindAsync("a/new.txt", default)).IsAbsent);
        // The directory's listing holds its own objects, not those of its subdirectories.
        Assert.True((await listed.FindAsync("a/b/deep.txt", default)).IsIdentical(4, Md5("deep")));
        Assert.True((await listed.FindAsync("a/b", default)).IsAbsent);
        Assert.True((await listed.FindAsync("top.txt", default)).IsIdentical(3, Md5("top")));
        Assert.True((await listed.FindAsync("z/new.txt", default)).IsAbsent);
        Assert.Equal(4, perDirectory.Listings);
        Assert.Equal(["delimiter=/&format=json&prefix=a/", "delimiter=/&format=json&prefix=a/b/", "delimiter=/&format=json", "delimiter=/&format=json&prefix=z/"],
            listings.Queries.Select(Sorted));
    }

    [Fact]
    public async Task Only_the_directories_asked_about_last_are_held_and_one_asked_again_is_listed_again()
    {
        var (client, listings) = await ContainerAsync(("a/1", "1"), ("b/2", "22"), ("c/3", "333"));
        var listed = new ExistingObjects.PerDirectory(client, "c", limit: 1000, held: 2);

        foreach (var name in new[] { "a/1", "b/2", "a/1", "c/3", "a/1", "b/2" }) Assert.False((await listed.FindAsync(name, default)).IsAbsent);
        // a, b (held), a again (held), c (b dropped), a (held), b (listed again).
        Assert.Equal(4, listed.Listings);
        Assert.Equal(["a/", "b/", "c/", "b/"], listings.Queries.Select(q => q.Split("prefix=")[1].Split('&')[0]));
    }

    [Fact]
    public async Task Files_asking_at_once_share_one_listing_of_their_directory()
    {
        var objects = Enumerable.Range(0, 50).Select(i => ($"d/{i:D2}", $"{i}")).ToArray();
        var (client, listings) = await ContainerAsync(objects);
        var listed = new ExistingObjects.PerDirectory(client, "c", limit: 1000, held: 16);

        var answers = await Task.WhenAll(objects.Select(o => listed.FindAsync(o.Item1, default).AsTask()));
        Assert.All(answers.Zip(objects), a => Assert.True(a.First.IsIdentical(a.Second.Item2.Length, Md5(a.Second.Item2))));
        Assert.Single(listings.Queries);
    }

    [Fact]
    public async Task A_directory_of_more_objects_than_the_limit_answers_nothing_so_its_files_are_asked_about_with_a_HEAD()
    {
        var (client, _) = await ContainerAsync(("big/1", "1"), ("big/2", "2"), ("big/3", "3"), ("small/1", "1"));
        var listed = new ExistingObjects.PerDirectory(client, "c", limit: 2, held: 16);

        var big = await listed.FindAsync("big/1", default);
        Assert.False(big.IsAbsent);
        Assert.False(big.IsPlainOfLength(1));
        Assert.True((await listed.FindAsync("small/1", default)).IsPlainOfLength(1));
        Assert.True((await listed.FindAsync("small/2", default)).IsAbsent);
    }

    [Fact]
    public async Task A_listing_that_fails_is_not_kept_so_the_next_file_lists_again()
    {
        var failures = 1;
        ListingRecorder? recorder = null;
        var cloud = new InMemoryCloud();
        var client = cloud.CreateObjectStoreClient(Sys, ObjectStoreSettings.Default,
            wrap: h => new FailFirstListing(recorder = new ListingRecorder(h), () => Interlocked.Decrement(ref failures) >= 0));
        await client.CreateContainerAsync("c");
        await client.PutObjectAsync("c", "d/x", RequestBody.FromBytes("x"u8.ToArray()));
        var listed = new ExistingObjects.PerDirectory(client, "c", limit: 1000, held: 16);

        await Assert.ThrowsAnyAsync<OpenStackException>(() => listed.FindAsync("d/x", default).AsTask());
        Assert.True((await listed.FindAsync("d/x", default)).IsPlainOfLength(1));
        Assert.Equal(2, listed.Listings);
    }

    /// <summary>Answers the first container listings with a 404 (not retried by the session), then passes them on.</summary>
    private sealed class FailFirstListing(HttpMessageHandler inner, Func<bool> fail) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.Method == HttpMethod.Get && request.RequestUri!.Query.Contains("delimiter", StringComparison.Ordinal) && fail()
                ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request })
                : base.SendAsync(request, cancellationToken);
    }

    private static string Sorted(string query) => string.Join('&', query.TrimStart('?').Split('&').Where(p => !p.StartsWith("limit=", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
}
