using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using OpenStack.Actors.Telemetry;
using OpenStack.Actors.Tests.Support;
using Xunit;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.Telemetry;

public sealed class TelemetryTests : TestKit
{
    [Fact]
    public async Task Attempts_are_measured_and_traced_under_the_callers_activity()
    {
        // A host no other test uses, since listeners see the whole process.
        var host = "telemetry-" + Guid.NewGuid().ToString("N")[..8] + ".test";
        var measurements = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == OpenStackTelemetry.Name) listener.EnableMeasurementEvents(instrument);
        };
        meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i.Name, v, tags));
        meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i.Name, v, tags));
        meters.Start();
        var activities = new ConcurrentQueue<Activity>();
        using var tracing = new ActivityListener
        {
            ShouldListenTo = s => s.Name == OpenStackTelemetry.Name || s.Name == "test",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (a.GetTagItem("server.address") as string == host) activities.Enqueue(a); },
        };
        ActivitySource.AddActivityListener(tracing);
        using var callerSource = new ActivitySource("test");

        var calls = 0;
        var http = new FakeHttp(_ => Interlocked.Increment(ref calls) == 1 ? FakeHttp.Status(HttpStatusCode.BadGateway) : FakeHttp.Status(HttpStatusCode.OK, "12345"));
        var settings = SessionSettings.Default with { MinBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(5) };
        var session = new OpenStackSession(Sys.ActorOf(SessionActor.Props(new StaticAuthenticator("t", new Uri($"http://{host}:81")), settings, http)), settings);

        using (var caller = callerSource.StartActivity("caller"))
        {
            await session.PutAsync("/c/o", RequestBody.FromText("abc"), ServiceFilter.ObjectStore);
            Assert.All(activities, a => Assert.Equal(caller!.TraceId, a.TraceId));
        }

        meters.RecordObservableInstruments();
        var durations = measurements.Where(m => m.Instrument == "http.client.request.duration").ToList();
        Assert.Equal(2, durations.Count);
        Assert.Equal([502, 200], durations.Select(d => Convert.ToInt32(d.Tags["http.response.status_code"])));
        Assert.Equal("502", durations[0].Tags["error.type"]);
        Assert.All(durations, d => Assert.Equal("PUT", d.Tags["http.request.method"]));
        Assert.Equal(2, activities.Count);
        Assert.Equal(ActivityStatusCode.Error, activities.First().Status);
        Assert.Equal(ActivityKind.Client, activities.First().Kind);
        Assert.Equal([3L, 3L], measurements.Where(m => m.Instrument == "http.client.request.body.size").Select(m => (long)m.Value));
        Assert.Equal([0L, 5L], measurements.Where(m => m.Instrument == "http.client.response.body.size").Select(m => (long)m.Value));
        Assert.Equal(0, measurements.Where(m => m.Instrument == "http.client.active_requests").Sum(m => m.Value));

        void Record(string name, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var map = new Dictionary<string, object?>();
            foreach (var t in tags) map[t.Key] = t.Value;
            if (map.TryGetValue("server.address", out var a) && a as string == host) measurements.Enqueue((name, value, map));
        }
    }
}
