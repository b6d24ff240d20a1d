using System.IO.Pipes;
using System.Security.Cryptography;
using System.Text.Json;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Host;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Tests.Integration;
using Xunit;
using static OpenStack.Actors.Tests.Integration.ObjectStoreTestSupport;

namespace OpenStack.Actors.Tests.Host;

/// <summary><c>upload FILE</c>, <c>upload -</c> from a pipe, and <c>--header</c>/<c>--meta</c> against the dev cloud.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class CliUploadSourcesIntegrationTests : TestKit, IDisposable
{
    private const long MiB = 1L << 20;
    private readonly TempDirectories _dirs = new();

    void IDisposable.Dispose() => _dirs.Dispose();

    private static string[] Cli(params string[] args) => ["--os-cloud", "devcloud-demo", .. args];

    private static CliConsole Console(Func<Stream>? stdin = null) =>
        new(new StringWriter(), new StringWriter(), interactive: false, CliRunner.Environment(CloudsYaml), openInputStream: stdin);

    private static async Task<CliRunner.Result> RunAsync(CliConsole console, int expected, params string[] args)
    {
        var r = await CliRunner.RunAsync(console, Cli(args));
        Assert.True(r.ExitCode == expected, $"exit {r.ExitCode}: {r.Out}{r.Error}");
        return r;
    }

    /// <summary>Runs <paramref name="test"/> with a new container, deleted afterwards with its segment container.</summary>
    private async Task WithContainerAsync(string what, Func<string, ObjectStoreClient, Task> test)
    {
        var container = NewContainer(what);
        var client = Client(Sys);
        try
        {
            await test(container, client);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    private static async Task<(string Md5, long Length)> DownloadMd5Async(ObjectStoreClient client, string container, string name)
    {
        await using var download = await client.GetObjectAsync(container, name);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = new byte[1 << 16];
        long length = 0;
        int n;
        while ((n = await download.Content.ReadAsync(buffer)) > 0)
        {
            md5.AppendData(buffer, 0, n);
            length += n;
        }
        return (Convert.ToHexStringLower(md5.GetHashAndReset()), length);
    }

    /// <summary>Runs <c>upload -</c> with <paramref name="bytes"/> of pseudo-random data written into an OS pipe by
    /// this process while the command reads it; returns the result and the MD5 of what was written.</summary>
    private static async Task<(CliRunner.Result Result, string Md5)> UploadFromPipeAsync(long bytes, int expectedExit, params string[] args)
    {
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        using var reader = new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle);
        var feeding = Task.Run(async () =>
        {
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            var random = new Random(42);
            var chunk = new byte[256 * 1024 + 7];   // not a divisor of the segment size
            for (long done = 0; done < bytes; done += chunk.Length)
            {
                random.NextBytes(chunk);
                var n = (int)Math.Min(chunk.Length, bytes - done);
                md5.AppendData(chunk, 0, n);
                await writer.WriteAsync(chunk.AsMemory(0, n));
            }
            writer.Close();   // end of the stream
            return Convert.ToHexStringLower(md5.GetHashAndReset());
        });
        var result = await RunAsync(Console(() => reader), expectedExit, ["upload", "-", .. args]);
        return (result, await feeding);
    }

    [Fact]
    public async Task One_file_goes_under_its_object_name_with_headers_and_metadata_and_round_trips()
    {
        var dir = _dirs.New("cli-file-it-");
        var file = Path.Combine(dir, "a.json");
        WriteRandom(file, 3 * MiB + 11, 7);
        await WithContainerAsync("file-up", async (container, client) =>
        {
            var r = await RunAsync(Console(), 0, "upload", file, container, "--prefix", "docs", "--object-name", "renamed.bin",
                "--segment-size", "1MiB", "--header", "X-Delete-After: 3600", "--meta", "owner=me", "--header", "Content-Type: text/x-test");
            Assert.Contains("Uploaded: 1  Skipped: 0  Failed: 0", r.Out);
            var head = await client.HeadObjectAsync(container, "docs/renamed.bin");
            Assert.NotNull(head);
            Assert.True(head.IsStaticLargeObject);   // above the segment size: segmented, the headers on the manifest
            Assert.Equal("text/x-test", head.ContentType);
            Assert.Equal("me", head.Metadata["owner"]);
            Assert.Equal(ObjectMtime.Format(File.GetLastWriteTimeUtc(file)), head.Metadata["mtime"]);
            var deleteAt = long.Parse(head.Headers["X-Delete-At"], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(deleteAt - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 3500, 3601);
            Assert.Equal((Md5(file), new FileInfo(file).Length), await DownloadMd5Async(client, container, "docs/renamed.bin"));
            Assert.Equal(4, (await client.GetManifestAsync(container, "docs/renamed.bin"))!.Count);

            // Skipped by content: the same file with other metadata is not sent again (as rclone and swift upload do).
            var again = await RunAsync(Console(), 0, "upload", file, container, "--prefix", "docs", "--object-name", "renamed.bin",
                "--segment-size", "1MiB", "--meta", "owner=someone-else");
            Assert.Contains("Uploaded: 0  Skipped: 1  Failed: 0", again.Out);
            Assert.Equal("me", (await client.HeadObjectAsync(container, "docs/renamed.bin"))!.Metadata["owner"]);

            // Without --object-name the file's name; a small file is one object whose ETag is its MD5.
            var small = Path.Combine(dir, "small.txt");
            await File.WriteAllTextAsync(small, "hello");
            var report = Path.Combine(dir, "report.json");
            await RunAsync(Console(), 0, "upload", small, container, "--report", report);
            var plain = await client.HeadObjectAsync(container, "small.txt");
            Assert.Equal(Md5(small), plain!.ETag);
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(report));
            Assert.Contains("\"uploaded\"", doc.RootElement.GetRawText());
        });
    }

    [Fact]
    public async Task The_content_type_is_guessed_from_the_file_name_when_none_is_given()
    {
        var dir = _dirs.New("cli-type-it-");
        WriteRandom(Path.Combine(dir, "tree", "a.json"), 100, 1);
        WriteRandom(Path.Combine(dir, "tree", "a.png"), 100, 2);
        await WithContainerAsync("type-up", async (container, client) =>
        {
            await RunAsync(Console(), 0, "upload", Path.Combine(dir, "tree"), container);
            Assert.Equal("application/json", (await client.HeadObjectAsync(container, "a.json"))!.ContentType);
            Assert.Equal("image/png", (await client.HeadObjectAsync(container, "a.png"))!.ContentType);
            // From the file's name, not the object's (Swift would guess from the object's: none here).
            await RunAsync(Console(), 0, "upload", Path.Combine(dir, "tree", "a.png"), container, "--object-name", "picture");
            Assert.Equal("image/png", (await client.HeadObjectAsync(container, "picture"))!.ContentType);
        });
    }

    [Fact]
    public async Task Fifty_MiB_from_a_pipe_become_a_large_object_of_seven_segments_that_round_trips()
    {
        await WithContainerAsync("stdin-up", async (container, client) =>
        {
            var (r, md5) = await UploadFromPipeAsync(50 * MiB, 0, container, "--object-name", "stream.bin", "--segment-size", "8MiB",
                "--meta", "source=pipe");
            Assert.Contains("Uploaded: 1  Skipped: 0  Failed: 0", r.Out);
            var head = await client.HeadObjectAsync(container, "stream.bin");
            Assert.True(head!.IsStaticLargeObject);
            Assert.Equal(50 * MiB, head.ContentLength);
            Assert.Equal("pipe", head.Metadata["source"]);
            var manifest = await client.GetManifestAsync(container, "stream.bin");
            Assert.Equal(7, manifest!.Count);
            Assert.All(manifest.Take(6), s => Assert.Equal(8 * MiB, s.SizeBytes));
            Assert.Equal(2 * MiB, manifest[6].SizeBytes);
            Assert.Equal((md5, 50 * MiB), await DownloadMd5Async(client, container, "stream.bin"));

            // Replaced by a small stream: one object, and the old segments are deleted.
            var (small, smallMd5) = await UploadFromPipeAsync(1000, 0, container, "--object-name", "stream.bin", "--segment-size", "8MiB");
            Assert.Contains("Uploaded: 1", small.Out);
            var plain = await client.HeadObjectAsync(container, "stream.bin");
            Assert.False(plain!.IsStaticLargeObject);
            Assert.Equal(smallMd5, plain.ETag);
            Assert.Empty(await SegmentsLeftAsync(client, container));
        });
    }

    [Fact]
    public async Task A_stream_of_exactly_one_segment_is_one_object()
    {
        await WithContainerAsync("stdin-one", async (container, client) =>
        {
            var (_, md5) = await UploadFromPipeAsync(MiB, 0, container, "--object-name", "one.bin", "--segment-size", "1MiB");
            var head = await client.HeadObjectAsync(container, "one.bin");
            Assert.False(head!.IsStaticLargeObject);
            Assert.Equal(md5, head.ETag);
            Assert.Equal("application/octet-stream", head.ContentType);
        });
    }

    [Fact]
    public async Task A_stream_that_breaks_after_some_segments_fails_and_its_segments_are_deleted()
    {
        await WithContainerAsync("stdin-broken", async (container, client) =>
        {
            var r = await RunAsync(Console(() => new ForwardOnlyStream(new byte[3 * MiB + 5], breakAtEnd: true)), 1, "upload", "-", container, "--object-name", "broken.bin",
                "--segment-size", "1MiB");
            Assert.Contains("Failed: 1", r.Out);
            Assert.Contains("the input broke", r.Out + r.Error);
            Assert.Contains("the 3 segment(s) stored before were deleted", r.Out + r.Error);
            Assert.Null(await client.HeadObjectAsync(container, "broken.bin"));
            Assert.Empty(await SegmentsLeftAsync(client, container));
        });
    }
}
