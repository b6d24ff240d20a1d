using System.Collections.Concurrent;
using System.Diagnostics;
using System.Formats.Tar;
using System.Net;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Integration;
using Xunit;
using Xunit.Abstractions;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.Faults;

/// <summary>
/// Base of the fault tests: proxies in front of the dev cloud's Swift or Keystone, sessions and clients routed through
/// them, small-file trees, verification by listing (hash per object against the local MD5), and cleanup of every
/// container a test used.
/// </summary>
public abstract class FaultTestBase(ITestOutputHelper output) : TestKit, IAsyncLifetime
{
    private readonly List<FaultProxy> _proxies = new();
    private readonly List<string> _dirs = new();
    private readonly List<string> _containers = new();
    private ObjectStoreClient? _direct;

    protected ITestOutputHelper Out { get; } = output;

    public static string DemoProjectId => DevCloud.Get("DEVCLOUD_DEMO_PROJECT_ID");
    public static Uri SwiftUrl => new(DevCloud.Get("DEVCLOUD_SWIFT_URL"));
    public static Uri KeystoneRoot => new(DevCloud.Get("DEVCLOUD_KEYSTONE_ROOT_URL"));

    /// <summary>A client straight to Swift (no proxy), for checks and cleanup.</summary>
    protected ObjectStoreClient Direct => _direct ??= ObjectStoreTestSupport.Client(Sys);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var p in _proxies) await p.DisposeAsync();
        var clock = Stopwatch.StartNew();
        foreach (var c in _containers)
        {
            try
            {
                await ObjectStoreTestSupport.DeleteEverythingAsync(Direct, c);
            }
            catch (Exception e)
            {
                Out.WriteLine($"cleanup of {c} failed: {e.Message}");
            }
        }
        Out.WriteLine($"cleanup {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var d in _dirs) if (Directory.Exists(d)) Directory.Delete(d, true);
    }

    protected FaultProxy Proxy(Uri target, Func<ProxyRequest, FaultAction>? rule = null)
    {
        var p = new FaultProxy(target, rule);
        _proxies.Add(p);
        return p;
    }

    /// <summary>A fresh container name, deleted (with its segment container) after the test.</summary>
    protected string Container(string what)
    {
        var c = $"fault-{what}-{Guid.NewGuid().ToString("N")[..8]}";
        _containers.Add(c);
        return c;
    }

    protected string TempDir()
    {
        var d = Directory.CreateTempSubdirectory("fault-").FullName;
        _dirs.Add(d);
        return d;
    }

    protected static SessionSettings Settings(Func<SessionSettings, SessionSettings>? change = null)
    {
        var s = SessionSettings.Create(Akka.Configuration.Config.Empty);
        return change is null ? s : change(s);
    }

    protected OpenStackSession Session(SessionSettings? settings = null, IAuthenticator? authenticator = null, HttpMessageHandler? handler = null) =>
        SessionFactory.Create(Sys, authenticator ?? DevCloud.Demo(), settings ?? Settings(), handler);

    /// <summary>The object-store filter with the proxy as endpoint: every Swift request goes through it.</summary>
    public static ServiceFilter Via(FaultProxy proxy) =>
        ServiceFilter.ObjectStore with { EndpointOverride = new Uri($"{proxy.Url}v1/AUTH_{DemoProjectId}") };

    protected static ObjectStoreSettings Upload(int transfers = 16, SkipMode skip = SkipMode.None, long segmentSize = 1L << 30) =>
        ObjectStoreSettings.Default with { Transfers = transfers, Skip = skip, SegmentSize = segmentSize };

    /// <summary>Files of 1-4 KiB (or the sizes given) in ten folders; returns the root.</summary>
    protected string SmallFiles(int count, int seed = 1, int minBytes = 1024, int maxBytes = 4096)
    {
        var root = TempDir();
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var bytes = new byte[random.Next(minBytes, maxBytes + 1)];
            random.NextBytes(bytes);
            var path = Path.Combine(root, $"d{i % 10}", $"f{i:D4}.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
        }
        return root;
    }

    protected static async Task<(TransferSummary Summary, List<FileResult> Results)> UploadAsync(ObjectStoreClient client, ActorSystem system,
        string root, string container, ObjectStoreSettings settings)
    {
        var results = new ConcurrentQueue<FileResult>();
        var summary = await new BatchUploader(client, system).UploadAsync(new UploadJob(root, container) { Settings = settings }, results.Enqueue);
        return (summary, results.ToList());
    }

    /// <summary>A new container holding <paramref name="count"/> small objects o000, o001, ..., stored with one request
    /// (Swift's extract-archive of a tar), so a test of many objects does not wait for as many PUTs.</summary>
    protected async Task<string> ContainerWithObjectsAsync(string what, int count)
    {
        var container = Container(what);
        await Direct.CreateContainerAsync(container);
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
            for (var i = 0; i < count; i++)
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, $"o{i:D3}") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes($"object {i}")) });
        // Swift answers at once and reports in the body, after it has stored every file.
        var r = await Direct.Session.PutAsync(SwiftNames.ContainerPath(container) + "?extract-archive=tar", RequestBody.FromBytes(tar.ToArray()), Direct.Service,
            options: new RequestOptions { Timeout = TimeSpan.FromMinutes(10) }, headers: new Dictionary<string, string> { ["Accept"] = "application/json" });
        using var answer = JsonDocument.Parse(r.Body);
        Assert.True(answer.RootElement.GetProperty("Number Files Created").GetInt32() == count, r.Text());
        return container;
    }

    /// <summary>The container's listing: object name to the ETag a HEAD would give (hash, or SLO ETag).</summary>
    protected async Task<SortedDictionary<string, string>> StoredAsync(string container)
    {
        var stored = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await foreach (var e in Direct.ListObjectsAsync(container)) stored.Add(e.Name, e.ETag ?? "");
        return stored;
    }

    /// <summary>Every local file is stored once under its name with its MD5, and nothing else is in the container.</summary>
    protected async Task AssertStoredExactlyAsync(string container, string root)
    {
        var local = ObjectStoreTestSupport.Hashes(root);
        var stored = await StoredAsync(container);
        Assert.Equal(local.Count, stored.Count);
        var wrong = local.Where(l => !stored.TryGetValue(l.Key, out var h) || !Checksums.SameETag(l.Value, h)).Select(l => l.Key).ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} objects missing or with another MD5, e.g. {string.Join(", ", wrong.Take(5))}");
    }

    /// <summary>Revokes a token at Keystone (the user revoking its own token), as an operator or a password change would.</summary>
    public static async Task RevokeAsync(AuthToken token)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(KeystoneRoot, "/v3/auth/tokens"));
        request.Headers.Add("X-Auth-Token", token.Value);
        request.Headers.Add("X-Subject-Token", token.Value);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    /// <summary>One line for the figures in docs/reliability.md.</summary>
    protected void Report(string what) => Out.WriteLine("FIGURES " + what);

    protected static Stopwatch Clock() => Stopwatch.StartNew();
}
