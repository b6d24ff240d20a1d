extern alias testkit;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.ObjectStore;
using testkit::OpenStack.Actors.TestKit;
using Xunit;

namespace OpenStack.Actors.Tests.ObjectStore.Streams;

/// <summary>The upload flow's skip decision for items with an MD5: the container's listing answers where it can.</summary>
public sealed class UploadItemSkipTests : TestKit
{
    private sealed class Recorder(HttpMessageHandler inner, ConcurrentQueue<string> seen) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Enqueue($"{request.Method} {request.RequestUri!.AbsolutePath}");
            return base.SendAsync(request, cancellationToken);
        }
    }

    private static UploadItem Item(string name, string text) =>
        UploadItem.FromBytes(name, Encoding.UTF8.GetBytes(text)) with { Md5 = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text))) };

    [Fact]
    public async Task Items_stored_already_are_skipped_from_the_listing_and_changed_ones_sent_without_a_HEAD()
    {
        var cloud = new InMemoryCloud();
        var seen = new ConcurrentQueue<string>();
        var client = cloud.CreateObjectStoreClient(Sys, wrap: inner => new Recorder(inner, seen));
        await client.CreateContainerAsync("reports");
        await Source.From([Item("same.csv", "a,b\n"), Item("changed.csv", "old\n")])
            .Via(ObjectStoreStreams.Upload(client, "reports")).RunWith(Sink.Seq<FileResult>(), Sys.Materializer());
        seen.Clear();

        var results = await Source.From([Item("same.csv", "a,b\n"), Item("changed.csv", "new\n"), Item("new.csv", "x\n")])
            .Via(ObjectStoreStreams.Upload(client, "reports")).RunWith(Sink.Seq<FileResult>(), Sys.Materializer());

        Assert.IsType<FileSkipped>(Assert.Single(results, r => r.ObjectName == "same.csv"));
        Assert.IsType<FileUploaded>(Assert.Single(results, r => r.ObjectName == "changed.csv"));
        Assert.IsType<FileUploaded>(Assert.Single(results, r => r.ObjectName == "new.csv"));
        Assert.Equal("new\n", Encoding.UTF8.GetString(cloud.Store.ReadObject(cloud.Account, "reports", "changed.csv")!));
        Assert.DoesNotContain(seen, r => r.StartsWith("HEAD /v1/", StringComparison.Ordinal) && r.Contains(".csv", StringComparison.Ordinal));
        Assert.Equal(2, seen.Count(r => r.StartsWith("PUT ", StringComparison.Ordinal) && r.Contains(".csv", StringComparison.Ordinal)));
    }
}
