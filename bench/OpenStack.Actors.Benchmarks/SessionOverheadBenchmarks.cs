using System.Net;
using Akka.Actor;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Benchmarks;

/// <summary>
/// The session's own overhead against an instant local server (Kestrel on 127.0.0.1): raw HttpClient with the same
/// handler settings, the Task facade, and Tell/reply from another actor, at several concurrencies and body sizes.
/// One operation is one request; an invocation sends <see cref="Concurrency"/> requests at once.
/// </summary>
[MemoryDiagnoser]
public class SessionOverheadBenchmarks
{
    private WebApplication _server = null!;
    private HttpClient _raw = null!;
    private ActorSystem _system = null!;
    private OpenStackSession _session = null!;
    private IActorRef _driver = null!;
    private string _path = null!;
    private Uri _base = null!;

    [Params(1, 16, 256)]
    public int Concurrency { get; set; }

    [Params(0, 1024, 1 << 20)]
    public int BodyBytes { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        var bodies = new Dictionary<int, byte[]> { [0] = [], [1024] = new byte[1024], [1 << 20] = new byte[1 << 20] };
        _server.MapGet("/v1/AUTH_bench/{size:int}", (int size) => Results.Bytes(bodies[size], "application/octet-stream"));
        await _server.StartAsync();
        _base = new Uri(_server.Urls.First());
        _path = $"/{BodyBytes}";

        var settings = SessionSettings.Create(Akka.Configuration.ConfigurationFactory.Empty);
        _raw = new HttpClient(OpenStack.Actors.Transport.HttpHandlerFactory.Create(settings.Transport, Akka.Event.NoLogger.Instance)) { Timeout = Timeout.InfiniteTimeSpan };
        _system = ActorSystem.Create("bench", "akka.loglevel = WARNING");
        var endpoint = new Uri(_base, "/v1/AUTH_bench");
        _session = new OpenStackSession(_system.ActorOf(SessionActor.Props(new StaticAuthenticator("bench-token", endpoint), settings)), settings);
        _driver = _system.ActorOf(Props.Create(() => new DriverActor(_session.Actor)));
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _system.Terminate();
        _raw.Dispose();
        await _server.StopAsync();
    }

    [Benchmark(Baseline = true)]
    public async Task RawHttpClient()
    {
        var url = new Uri(_base, "/v1/AUTH_bench" + _path);
        var tasks = new Task[Concurrency];
        for (var i = 0; i < tasks.Length; i++) tasks[i] = RawOne(url);
        await Task.WhenAll(tasks);
    }

    private async Task RawOne(Uri url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("X-Auth-Token", "bench-token");
        using var response = await _raw.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != HttpStatusCode.OK || body.Length != BodyBytes) throw new InvalidOperationException("bad reply");
    }

    [Benchmark]
    public async Task SessionGetAsync()
    {
        var tasks = new Task[Concurrency];
        for (var i = 0; i < tasks.Length; i++) tasks[i] = SessionOne();
        await Task.WhenAll(tasks);
    }

    private async Task SessionOne()
    {
        var response = await _session.GetAsync(_path, ServiceFilter.ObjectStore);
        if (response.Body.Length != BodyBytes) throw new InvalidOperationException("bad reply");
    }

    [Benchmark]
    public Task ActorTellReply() => _driver.Ask<int>(new DriverActor.Run(_path, Concurrency, BodyBytes), TimeSpan.FromMinutes(1));

    /// <summary>Another actor using the session by messages: sends N requests, answers when all replies are in.</summary>
    private sealed class DriverActor : ReceiveActor
    {
        public sealed record Run(string Path, int Count, int BodyBytes);

        public DriverActor(IActorRef session)
        {
            IActorRef? requester = null;
            var outstanding = 0;
            var expected = 0;
            Receive<Run>(run =>
            {
                requester = Sender;
                outstanding = run.Count;
                expected = run.BodyBytes;
                var request = new OpenStackRequest(HttpMethod.Get, run.Path) { Service = ServiceFilter.ObjectStore };
                for (var i = 0; i < run.Count; i++) session.Tell(request);
            });
            Receive<OpenStackResponse>(r =>
            {
                if (r.Body.Length != expected) throw new InvalidOperationException("bad reply");
                if (--outstanding == 0) requester!.Tell(0);
            });
            Receive<RequestFailed>(f => throw f.Error);
        }
    }
}
