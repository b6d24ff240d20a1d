using Akka.TestKit.Xunit2;
using StreamedReports;
using Xunit;

namespace OpenStack.Actors.Tests.Integration;

/// <summary>The streaming sample (samples/StreamedReports) run against the local cloud.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class StreamedReportsSampleIntegrationTests : TestKit
{
    [Fact]
    public async Task The_streaming_sample_stores_every_report_with_the_producer_held_back_by_Swift()
    {
        var container = ObjectStoreTestSupport.NewContainer("reports");
        var client = ObjectStoreTestSupport.Client(Sys);
        try
        {
            var result = await ReportPipeline.RunAsync("devcloud-demo", container, 120,
                new Dictionary<string, string?> { ["OS_CLIENT_CONFIG_FILE"] = ObjectStoreTestSupport.CloudsYaml });

            Assert.Empty(result.Failures);
            Assert.Equal(120, result.Uploaded);
            Assert.Equal(120, result.Listed);
            // 4 transfers and the stages' buffers (16 elements): never the whole run ahead.
            Assert.InRange(result.MostAhead, 1, 32);
            var head = await client.HeadObjectAsync(container, "reports/00042.csv");
            Assert.Equal("42", head!.Metadata["report"]);
            Assert.StartsWith("text/csv", head.ContentType);
        }
        finally
        {
            await ObjectStoreTestSupport.DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task Stopping_the_streaming_sample_stores_what_was_produced_and_makes_no_more()
    {
        var container = ObjectStoreTestSupport.NewContainer("reports-stop");
        var client = ObjectStoreTestSupport.Client(Sys);
        using var stop = new CancellationTokenSource();
        try
        {
            stop.Cancel();
            var result = await ReportPipeline.RunAsync("devcloud-demo", container, 100_000,
                new Dictionary<string, string?> { ["OS_CLIENT_CONFIG_FILE"] = ObjectStoreTestSupport.CloudsYaml }, stop.Token);

            Assert.Empty(result.Failures);
            Assert.InRange(result.Uploaded, 0, 32);
            Assert.Equal(result.Uploaded, result.Listed);
        }
        finally
        {
            await ObjectStoreTestSupport.DeleteEverythingAsync(client, container);
        }
    }
}
