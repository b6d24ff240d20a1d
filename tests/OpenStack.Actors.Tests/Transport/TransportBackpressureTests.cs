using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Config;
using OpenStack.Actors.Transport;
using Xunit;

namespace OpenStack.Actors.Tests.Transport;

/// <summary>A TransportActor keeps at most its limit of exchanges on the wire; the others wait and go as exchanges end.</summary>
public sealed class TransportBackpressureTests : TestKit
{
    /// <summary>Holds every request until the test answers it.</summary>
    private sealed class HeldHandler : HttpMessageHandler
    {
        public Channel<string> Arrived { get; } = Channel.CreateUnbounded<string>();
        public ConcurrentDictionary<string, TaskCompletionSource<HttpResponseMessage>> Held { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            var reply = Held.GetOrAdd(path, _ => new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously));
            Arrived.Writer.TryWrite(path);
            return reply.Task;
        }

        public void Answer(string path) => Held[path].SetResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(path) });

        public async Task<string> NextArrivalAsync() => await Arrived.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static TransportRequest Get(int i) =>
        new(i, HttpMethod.Get, new Uri($"http://cloud.example.com/{i}"), null, null, null, false, TimeSpan.FromSeconds(30), 0);

    [Fact]
    public async Task At_most_the_limit_is_on_the_wire_and_waiting_requests_go_as_exchanges_end()
    {
        var handler = new HeldHandler();
        var transport = Sys.ActorOf(TransportActor.Props(new HttpClient(handler), TransportSettings.Default with { MaxInFlightPerTransport = 2 }));
        for (var i = 1; i <= 5; i++) transport.Tell(Get(i), TestActor);

        var first = new[] { await handler.NextArrivalAsync(), await handler.NextArrivalAsync() };
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.False(handler.Arrived.Reader.TryRead(out _));   // the other three wait

        handler.Answer(first[0]);
        Assert.Equal(first[0], "/" + (await ExpectMsgAsync<TransportResult>()).Id);
        var third = await handler.NextArrivalAsync();          // one ended, one more goes
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.False(handler.Arrived.Reader.TryRead(out _));

        handler.Answer(first[1]);
        handler.Answer(third);
        var rest = new[] { await handler.NextArrivalAsync(), await handler.NextArrivalAsync() };
        foreach (var path in rest) handler.Answer(path);

        var answered = new List<long>();
        for (var i = 0; i < 4; i++) answered.Add((await ExpectMsgAsync<TransportResult>()).Id);
        answered.Add(long.Parse(first[0][1..]));
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, answered.Order());   // each answered once
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }
}
