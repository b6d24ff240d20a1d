using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Integration;
using Xunit;
using Xunit.Abstractions;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.Faults;

/// <summary>The fault proxy itself, against the real Swift: what the other fault tests rely on.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class FaultProxyTests(ITestOutputHelper output) : FaultTestBase(output)
{
    private static HttpClient Raw() => new(new SocketsHttpHandler { MaxConnectionsPerServer = 1, AllowAutoRedirect = false });

    [Fact]
    public async Task Keep_alive_requests_with_chunked_and_sized_bodies_pass_unchanged_over_one_connection()
    {
        var proxy = Proxy(SwiftUrl);
        var token = (await Session().GetAccessAsync()).Token.Value;
        var container = Container("proxy");
        var url = $"{proxy.Url}v1/AUTH_{DemoProjectId}/{container}";
        var data = RandomNumberGenerator.GetBytes(300_000);
        using var http = Raw();
        http.DefaultRequestHeaders.Add("X-Auth-Token", token);

        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync(url, null)).StatusCode);
        using var chunked = new StreamContent(new NoLengthStream(data));   // no length: sent chunked
        var put = await http.PutAsync(url + "/chunked.bin", chunked);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), put.Headers.NonValidated["ETag"].ToString().Trim('"'));
        Assert.Equal(data, await http.GetByteArrayAsync(url + "/chunked.bin"));
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, url + "/chunked.bin"));
        Assert.Equal(data.Length, head.Content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(url + "?format=json")).StatusCode);

        Assert.Equal(5, proxy.Requests);
        Assert.Equal(1, proxy.ConnectionsAccepted);
        Assert.Equal(data.Length, proxy.Exchanges.Single(e => e.Method == "PUT" && e.Path.EndsWith("/chunked.bin", StringComparison.Ordinal)).RequestBodyBytes);
    }

    [Fact]
    public async Task Throttled_bodies_flow_at_the_rate_and_a_cut_response_body_breaks_the_read()
    {
        var token = (await Session().GetAccessAsync()).Token.Value;
        var container = Container("proxy");
        var data = RandomNumberGenerator.GetBytes(256 * 1024);
        await Direct.CreateContainerAsync(container);
        await Direct.PutObjectAsync(container, "o.bin", RequestBody.FromBytes(data));
        var mode = 0;
        var proxy = Proxy(SwiftUrl, _ => Volatile.Read(ref mode) == 0
            ? new FaultAction.Forward { BytesPerSecond = 512 * 1024 }
            : new FaultAction.Forward { CutResponseBodyAfter = 100_000 });
        using var http = Raw();
        http.DefaultRequestHeaders.Add("X-Auth-Token", token);
        var url = $"{proxy.Url}v1/AUTH_{DemoProjectId}/{container}/o.bin";

        var clock = Stopwatch.StartNew();
        Assert.Equal(data, await http.GetByteArrayAsync(url));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.45), TimeSpan.FromSeconds(5));   // 256 KiB at 512 KiB/s

        Volatile.Write(ref mode, 1);
        await Assert.ThrowsAnyAsync<Exception>(() => http.GetByteArrayAsync(url));
        var cut = proxy.Exchanges.Last();
        Assert.Equal(ProxyOutcome.ResponseCut, cut.Outcome);
        Assert.Equal(200, cut.Status);
    }

    [Fact]
    public async Task A_listing_whose_response_is_cut_midway_is_retried_and_complete()
    {
        var container = Container("cutlist");
        await Direct.CreateContainerAsync(container);
        await Parallel.ForEachAsync(Enumerable.Range(0, 30), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await Direct.PutObjectAsync(container, $"object number {i:D2}.txt", RequestBody.FromText("x"), cancellationToken: ct));
        var lists = 0;
        var proxy = Proxy(SwiftUrl, r => r.Method == "GET" && r.Target.Contains("format=json", StringComparison.Ordinal) && Interlocked.Increment(ref lists) == 1
            ? new FaultAction.Forward { CutResponseBodyAfter = 1000 }
            : FaultAction.Pass);
        var client = new ObjectStoreClient(Session(), Via(proxy));

        var names = new List<string>();
        await foreach (var e in client.ListObjectsAsync(container)) names.Add(e.Name);

        Assert.Equal(30, names.Count);
        var gets = proxy.Exchanges.Where(e => e.Method == "GET").OrderBy(e => e.Seq).ToList();
        Assert.Equal([ProxyOutcome.ResponseCut, ProxyOutcome.Forwarded], gets.Select(g => g.Outcome));
    }

    /// <summary>A stream that hides its length, so HttpClient sends it with Transfer-Encoding: chunked.</summary>
    private sealed class NoLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
