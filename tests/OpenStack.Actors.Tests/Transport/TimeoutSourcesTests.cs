using System.Net;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using OpenStack.Actors.Transport;
using Xunit;

namespace OpenStack.Actors.Tests.Transport;

/// <summary>The transports' reusable timeout sources, and what a request carries when it goes through a plain invoker.</summary>
public sealed class TimeoutSourcesTests : TestKit
{
    [Fact]
    public void A_source_whose_timer_did_not_fire_is_reset_and_rented_again()
    {
        using var stop = new CancellationTokenSource();
        var sources = new TimeoutSources(stop.Token);
        var first = sources.Rent(TimeSpan.FromMinutes(1));
        sources.Return(first);
        var second = sources.Rent(TimeSpan.FromMinutes(1));
        Assert.Same(first, second);
        Assert.False(second.IsCancellationRequested);
    }

    [Fact]
    public async Task A_source_that_fired_is_not_reused_and_stopping_cancels_a_rented_one()
    {
        using var stop = new CancellationTokenSource();
        var sources = new TimeoutSources(stop.Token);
        var timedOut = sources.Rent(TimeSpan.FromMilliseconds(1));
        await Task.Delay(Timeout.Infinite, timedOut.Token).ContinueWith(_ => { });   // waits for the timer, no fixed sleep
        sources.Return(timedOut);
        var next = sources.Rent(TimeSpan.FromMinutes(1));
        Assert.NotSame(timedOut, next);
        Assert.False(next.IsCancellationRequested);

        stop.Cancel();
        Assert.True(next.IsCancellationRequested);
    }

    /// <summary>Answers 200 and keeps each request's User-Agent.</summary>
    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<string> UserAgents { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (UserAgents) UserAgents.Add(string.Join(" ", request.Headers.GetValues("User-Agent")));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }

    [Fact]
    public async Task Requests_through_a_plain_invoker_carry_the_clients_user_agent_unless_the_caller_sets_one()
    {
        var handler = new RecordingHandler();
        var transport = Sys.ActorOf(TransportActor.Props(new HttpMessageInvoker(handler), TransportSettings.Default));
        var url = new Uri("http://cloud.example.com/x");
        transport.Tell(new TransportRequest(1, HttpMethod.Get, url, null, null, null, false, TimeSpan.FromSeconds(30), 0), TestActor);
        transport.Tell(new TransportRequest(2, HttpMethod.Get, url, new Dictionary<string, string> { ["User-Agent"] = "mytool/1.0" }, null, null, false,
            TimeSpan.FromSeconds(30), 0), TestActor);
        for (var i = 0; i < 2; i++) Assert.Null((await ExpectMsgAsync<TransportResult>()).Error);
        lock (handler.UserAgents)
        {
            Assert.Contains(TransportSettings.UserAgent, handler.UserAgents);
            Assert.Contains("mytool/1.0", handler.UserAgents);
            Assert.Equal(2, handler.UserAgents.Count);
        }
    }
}
