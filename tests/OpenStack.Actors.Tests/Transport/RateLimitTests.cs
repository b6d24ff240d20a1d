using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Threading.RateLimiting;
using Akka.Actor;
using Akka.Event;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Http;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Support;
using OpenStack.Actors.Transport;
using Xunit;

namespace OpenStack.Actors.Tests.Transport;

/// <summary>The session's request-rate and bandwidth buckets and the HTTP debug log, over a fake cloud.</summary>
public sealed class RateLimitTests() : TestKit(TestConfigs.DebugLogging)
{
    private static readonly KeystonePasswordAuthenticator Auth =
        new(new Uri(KeystoneCanned.AuthUrl), "pw", AuthScope.ProjectName("demo"), userName: "demo");

    private static FakeHttp Cloud(ConcurrentQueue<(string Path, long At, int Bytes)> seen) => new(r =>
    {
        if (r.Url.AbsolutePath == "/v3/auth/tokens") return KeystoneCanned.Token("tok-secret-1", DateTimeOffset.UtcNow.AddHours(1));
        seen.Enqueue((r.Url.PathAndQuery, Stopwatch.GetTimestamp(), r.Body?.Length ?? 0));
        var ok = FakeHttp.Status(HttpStatusCode.OK, "done");
        ok.Headers.Add("X-Trans-Id", "tx-" + r.Url.AbsolutePath.TrimStart('/').Replace('/', '-'));
        return ok;
    });

    private OpenStackSession Session(FakeHttp http, SessionSettings settings) => new(Sys.ActorOf(SessionActor.Props(Auth, settings, http)), settings);

    [Fact]
    public async Task Requests_wait_their_turn_at_the_rate_and_their_timeout_starts_when_they_are_sent()
    {
        var seen = new ConcurrentQueue<(string Path, long At, int Bytes)>();
        // The last request waits 7 s for its turn, more than twice its timeout plus the grace: it would fail if the wait
        // counted against it. The timeout itself is long enough for a machine loaded many times over to answer one
        // request of the fake cloud.
        var settings = SessionSettings.Default with
        {
            RequestTimeout = TimeSpan.FromSeconds(3),
            ReplyGrace = TimeSpan.FromMilliseconds(100),
            Transport = TransportSettings.Default with { RequestsPerSecond = 1 },
        };
        var session = Session(Cloud(seen), settings);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => session.GetAsync($"/c{i}", ServiceFilter.ObjectStore)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        var times = seen.Select(s => s.At).Order().ToList();
        Assert.Equal(8, times.Count);
        // Seven gaps of 1 s at least (a bucket never runs early); the first request goes at once.
        Assert.True(Stopwatch.GetElapsedTime(times[0], times[^1]) >= TimeSpan.FromMilliseconds(6600),
            $"8 requests at 1/s took {Stopwatch.GetElapsedTime(times[0], times[^1]).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Streamed_bodies_share_one_bandwidth_bucket_across_parallel_requests()
    {
        var seen = new ConcurrentQueue<(string Path, long At, int Bytes)>();
        var settings = SessionSettings.Default with { Transport = TransportSettings.Default with { BandwidthLimit = 200_000 } };
        var session = Session(Cloud(seen), settings);
        await session.GetAsync("/warm", ServiceFilter.ObjectStore);   // token and catalog first: only the bodies are timed
        var payload = new byte[100_000];
        Random.Shared.NextBytes(payload);

        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            session.PutAsync($"/o{i}", RequestBody.FromStreamFactory(() => new MemoryStream(payload), payload.Length), ServiceFilter.ObjectStore)));
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.Equal(4, seen.Count(s => s.Path.StartsWith("/v1/AUTH_demo/o", StringComparison.Ordinal) && s.Bytes == payload.Length));
        // 400 kB at 200 kB/s, less the bucket's two periods (40 kB) it may hold at the start: 1.8 s at least.
        Assert.True(elapsed >= TimeSpan.FromSeconds(1.7), $"400 kB at 200 kB/s took {elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_streamed_response_body_is_read_at_the_bandwidth_limit()
    {
        var payload = new byte[300_000];
        Random.Shared.NextBytes(payload);
        var http = new FakeHttp(r => r.Url.AbsolutePath == "/v3/auth/tokens"
            ? KeystoneCanned.Token("tok-1", DateTimeOffset.UtcNow.AddHours(1))
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(payload) });
        var settings = SessionSettings.Default with { Transport = TransportSettings.Default with { BandwidthLimit = 200_000 } };
        var session = Session(http, settings);

        using var response = await session.GetAsync("/big", ServiceFilter.ObjectStore, options: new RequestOptions { StreamResponse = true });
        var started = Stopwatch.GetTimestamp();
        using var copy = new MemoryStream();
        await response.BodyStream!.CopyToAsync(copy);
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.Equal(payload, copy.ToArray());
        // 300 kB at 200 kB/s, less the 40 kB the bucket may hold at the start: 1.3 s at least.
        Assert.True(elapsed >= TimeSpan.FromSeconds(1.2), $"300 kB at 200 kB/s took {elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_throttled_read_asks_for_one_token_per_byte_it_returns_and_no_more_than_the_bucket_holds()
    {
        var gate = new GateLimiter();
        var data = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        await using var stream = new ThrottledStream(new MemoryStream(data), new ByteBucket(gate, Size: 30));
        var buffer = new byte[64];

        var read = stream.ReadAsync(buffer).AsTask();
        var asked = await gate.Asked.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(read.IsCompleted);   // the bytes are held until the bucket grants them
        gate.Grant();

        Assert.Equal(30, asked);
        Assert.Equal(30, await read.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(data[..30], buffer[..30]);
    }

    [Fact]
    public async Task The_debug_log_has_one_line_per_request_with_status_time_and_request_id_and_no_secret()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(Akka.Event.Debug));
        var seen = new ConcurrentQueue<(string Path, long At, int Bytes)>();
        var session = Session(Cloud(seen), SessionSettings.Default);

        await session.GetAsync("/c/o?temp_url_sig=sig-secret&temp_url_expires=1", ServiceFilter.ObjectStore);
        await session.GetAsync("/c/p", ServiceFilter.ObjectStore);

        var http = new List<string>();
        probe.FishForMessage<Akka.Event.Debug>(d =>
        {
            if (d.LogSource.StartsWith(HttpRequestLog.SourceName, StringComparison.Ordinal)) http.Add(d.Message.ToString()!);
            return http.Count == 3;
        }, TimeSpan.FromSeconds(5));
        Assert.Matches(@"^POST http://keystone\.test:5000/v3/auth/tokens 201 in \d+ ms( request-id \S+)?$", http[0]);
        Assert.Matches(@"^GET http://swift\.test:8080/v1/AUTH_demo/c/o\?temp_url_sig=\*\*\*&temp_url_expires=1 200 in \d+ ms request-id tx-v1-AUTH_demo-c-o$", http[1]);
        Assert.Matches(@"^GET http://swift\.test:8080/v1/AUTH_demo/c/p 200 in \d+ ms request-id tx-v1-AUTH_demo-c-p$", http[2]);
        Assert.DoesNotContain(http, l => l.Contains("sig-secret", StringComparison.Ordinal) || l.Contains("tok-secret", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_debug_logging_the_session_sends_through_its_handler_unwrapped()
    {
        using var quiet = ActorSystem.Create("quiet", "akka.loglevel = INFO");
        using var handler = new FakeHttp(_ => FakeHttp.Status(HttpStatusCode.OK));

        Assert.Same(handler, HttpRequestLog.Wrap(handler, quiet));
        Assert.NotSame(handler, HttpRequestLog.Wrap(handler, Sys));
    }

    [Fact]
    public void A_failed_request_s_line_says_what_failed_and_redacts_the_url()
    {
        var line = HttpRequestLog.Line(HttpMethod.Put, new Uri("https://u:p@swift.test/c/o?signature=abc"),
            new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException(111)), TimeSpan.FromMilliseconds(12.4));

        Assert.StartsWith("PUT https://***@swift.test/c/o?signature=*** failed after 12 ms: HttpRequestException: ", line);
        Assert.DoesNotContain("abc", line);
    }

    [Fact]
    public void Limits_come_from_hocon_and_are_off_by_default()
    {
        Assert.Equal(0, TransportSettings.Default.BandwidthLimit);
        Assert.Equal(0, TransportSettings.Default.RequestsPerSecond);
        Assert.Null(RateLimits.Bandwidth(0));
        Assert.Null(RateLimits.Requests(0));
        var t = TransportSettings.Create(Akka.Configuration.ConfigurationFactory.ParseString(
            "openstack.session.transport { bandwidth-limit = 10MiB, requests-per-second = 2.5 }"));
        Assert.Equal(10L << 20, t.BandwidthLimit);
        Assert.Equal(2.5, t.RequestsPerSecond);
        var e = Assert.Throws<ArgumentException>(() => TransportSettings.Create(Akka.Configuration.ConfigurationFactory.ParseString(
            "openstack.session.transport.requests-per-second = -1")));
        Assert.Contains("requests-per-second", e.Message);
    }

    [Fact]
    public void A_transfer_s_timeout_grows_to_its_share_of_the_bandwidth_limit()
    {
        var s = ObjectStoreSettings.Default with { Transfers = 4, MinThroughput = 1L << 20, TransferTimeout = TimeSpan.FromSeconds(60) };

        Assert.Equal(TimeSpan.FromSeconds(68), s.TimeoutFor(8L << 20));
        Assert.Equal(TimeSpan.FromSeconds(68), s.TimeoutFor(8L << 20, bandwidthLimit: 100L << 20));   // a high limit changes nothing
        Assert.Equal(TimeSpan.FromSeconds(76), s.TimeoutFor(8L << 20, bandwidthLimit: 2L << 20));     // 512 KiB/s a transfer
    }

    /// <summary>A limiter that grants what it is asked for only when the test says so.</summary>
    private sealed class GateLimiter : RateLimiter
    {
        private TaskCompletionSource<RateLimitLease>? _pending;

        public TaskCompletionSource<int> Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Grant() => _pending!.SetResult(new Lease());

        public override TimeSpan? IdleDuration => null;

        public override RateLimiterStatistics? GetStatistics() => null;

        protected override RateLimitLease AttemptAcquireCore(int permitCount) => throw new NotSupportedException();

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
        {
            _pending = new TaskCompletionSource<RateLimitLease>(TaskCreationOptions.RunContinuationsAsynchronously);
            Asked.SetResult(permitCount);
            return new ValueTask<RateLimitLease>(_pending.Task);
        }

        private sealed class Lease : RateLimitLease
        {
            public override bool IsAcquired => true;

            public override IEnumerable<string> MetadataNames => [];

            public override bool TryGetMetadata(string metadataName, out object? metadata)
            {
                metadata = null;
                return false;
            }
        }
    }
}
