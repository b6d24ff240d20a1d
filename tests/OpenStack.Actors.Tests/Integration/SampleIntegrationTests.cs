using Akka.TestKit.Xunit2;
using EmbeddedUpload;
using Xunit;

namespace OpenStack.Actors.Tests.Integration;

/// <summary>The embedding sample (samples/EmbeddedUpload) run against the local cloud.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SampleIntegrationTests : TestKit
{
    [Fact]
    public async Task The_embedding_sample_uploads_a_directory_from_its_own_actor()
    {
        var root = Directory.CreateTempSubdirectory("sample-").FullName;
        var container = ObjectStoreTestSupport.NewContainer("sample");
        var client = ObjectStoreTestSupport.Client(Sys);
        try
        {
            for (var i = 0; i < 12; i++) ObjectStoreTestSupport.WriteRandom(Path.Combine(root, i % 2 == 0 ? "a" : "b c", $"f+{i}.bin"), 1000 + i * 517, i);

            var result = await SampleApp.RunAsync("devcloud-demo", root, container,
                new Dictionary<string, string?> { ["OS_CLIENT_CONFIG_FILE"] = ObjectStoreTestSupport.CloudsYaml });

            Assert.Empty(result.Failures);
            Assert.Equal(12, result.Uploaded);
            var stored = new SortedDictionary<string, string>(StringComparer.Ordinal);
            await foreach (var o in client.ListObjectsAsync(container)) stored[o.Name] = o.Hash!;
            Assert.Equal(ObjectStoreTestSupport.Hashes(root), stored);
        }
        finally
        {
            await ObjectStoreTestSupport.DeleteEverythingAsync(client, container);
            Directory.Delete(root, recursive: true);
        }
    }
}
