using System.Security.Cryptography;
using Akka.Actor;
using OpenStack.Actors.Config;
using OpenStack.Actors.Hosting;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.Integration;

/// <summary>Object-store helpers for the integration tests: a client for a cloud of the generated clouds.yaml, fresh containers, local trees.</summary>
public static class ObjectStoreTestSupport
{
    /// <summary>The clouds.yaml: <c>OS_CLIENT_CONFIG_FILE</c>, else the dev cloud's.</summary>
    public static string CloudsYaml => Environment.GetEnvironmentVariable("OS_CLIENT_CONFIG_FILE") is { Length: > 0 } f ? f : DevCloud.CloudsYaml;

    public static ObjectStoreClient Client(ActorSystem system, ObjectStoreSettings? settings = null, string cloud = "devcloud-demo")
    {
        var config = CloudConfig.Load(cloud, environment: new Dictionary<string, string?>(), searchPaths: [CloudsYaml]);
        var session = OpenStackExtension.Get(system).CreateSession(config.CreateAuthenticator(), "os-" + Guid.NewGuid().ToString("N")[..8],
            config.ApplyTo(SessionSettings.Create(system)));
        return new ObjectStoreClient(session, config.Filter("object-store"), settings);
    }

    public static string NewContainer(string what) => $"it-{what}-{Guid.NewGuid().ToString("N")[..10]}";

    /// <summary>Deletes every object of the container and of its segment container, then both containers.</summary>
    public static async Task DeleteEverythingAsync(ObjectStoreClient client, string container)
    {
        foreach (var c in new[] { container, SwiftNames.SegmentContainer(container) })
        {
            try
            {
                var names = new List<string>();
                await foreach (var e in client.ListObjectsAsync(c)) names.Add(e.Name);
                await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (n, ct) => await client.DeleteObjectAsync(c, n, cancellationToken: ct));
                await client.DeleteContainerAsync(c);
            }
            catch (HttpErrorException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
            {
            }
            catch (HttpErrorException e) when (e.Status == System.Net.HttpStatusCode.Conflict)
            {
                // An object the listing did not show yet (Swift updates listings a moment later, or a failed test left
                // an upload running): the container stays on the disposable dev cloud. A cleanup in a finally block must
                // not replace the test's own failure.
            }
        }
    }

    /// <summary>The names in the container's segment container (none when it does not exist).</summary>
    public static async Task<List<string>> SegmentsLeftAsync(ObjectStoreClient client, string container)
    {
        var left = new List<string>();
        try
        {
            await foreach (var e in client.ListObjectsAsync(SwiftNames.SegmentContainer(container))) left.Add(e.Name);
        }
        catch (HttpErrorException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
        }
        return left;
    }

    public static string Md5(string path) => Convert.ToHexStringLower(MD5.HashData(File.ReadAllBytes(path)));

    /// <summary>Relative path (with /) to MD5 of every regular file below <paramref name="root"/>.</summary>
    public static SortedDictionary<string, string> Hashes(string root) =>
        new(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'), Md5), StringComparer.Ordinal);

    public static void WriteRandom(string path, long bytes, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        using var f = File.Create(path);
        var buffer = new byte[64 * 1024];
        for (long done = 0; done < bytes; done += buffer.Length)
        {
            random.NextBytes(buffer);
            f.Write(buffer, 0, (int)Math.Min(buffer.Length, bytes - done));
        }
    }

    /// <summary>A tree of small files with awkward names and two files above a 1 MiB segment size.</summary>
    public static (string Root, int Files) SampleTree(string? parent = null)
    {
        var root = Directory.CreateTempSubdirectory("os-tree-").FullName;
        var names = new[]
        {
            "top.txt", "empty.bin", "dir one/a b.txt", "dir one/+&=.dat", "dir one/deeper/q?.txt", "été/ünïcödé 名前.txt",
            "x/y/z/%41 percent.txt", "x/#hash.txt", "x/y/many.log",
        };
        var seed = 1;
        foreach (var n in names) WriteRandom(Path.Combine(root, n), n == "empty.bin" ? 0 : 100 + seed * 997, seed++);
        WriteRandom(Path.Combine(root, "large/three and a half.bin"), 3 * (1L << 20) + (1L << 19), 100);
        WriteRandom(Path.Combine(root, "large/just over.bin"), (1L << 20) + 1, 101);
        return (root, names.Length + 2);
    }

    public static ObjectStoreSettings SmallSegments(SkipMode skip = SkipMode.Md5) => ObjectStoreSettings.Default with
    {
        SegmentSize = 1L << 20,
        Transfers = 8,
        Skip = skip,
    };
}

/// <summary>Reads its bytes once, front to back, as a pipe does; with <c>breakAtEnd</c> it then fails as a broken input does.</summary>
public sealed class ForwardOnlyStream(byte[] data, bool breakAtEnd = false) : Stream
{
    private int _position;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (breakAtEnd && _position >= data.Length) throw new IOException("the input broke");
        var n = Math.Min(count, data.Length - _position);
        Array.Copy(data, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
