using System.Net;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Support;
using Xunit;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.ObjectStore;

/// <summary>Pause, probe and resume of a batch under virtual time: the probes' backoff, the ramp after an outage,
/// the budget, and what counts as the endpoint answering.</summary>
public sealed class OutageMonitorTests() : TestKit(TestConfigs.VirtualTime)
{
    private static readonly ConnectionFailedException Refused = new("connection refused by swift.example.com:8080 (PUT http://swift.example.com:8080/v1/AUTH_x/c/o)");
    private static readonly ObjectStoreSettings Settings = ObjectStoreSettings.Default with
    {
        OutageBudget = TimeSpan.FromSeconds(60), ProbeMinBackoff = TimeSpan.FromSeconds(1), ProbeMaxBackoff = TimeSpan.FromSeconds(8),
    };

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;
    private readonly List<(DateTimeOffset At, TaskCompletionSource Answer)> _probes = new();

    private OutageMonitor Monitor(ObjectStoreSettings? settings = null, int width = 8) =>
        new(_ =>
        {
            var answer = new TaskCompletionSource();
            _probes.Add((Scheduler.Now, answer));
            return answer.Task;
        }, settings ?? Settings, Scheduler, width, "http://swift.example.com:8080", random: () => 0.5);

    private void FailProbe() => Assert.True(_probes[^1].Answer.TrySetException(Refused));

    private void PassProbe() => _probes[^1].Answer.SetResult();

    [Fact]
    public void While_the_endpoint_answers_files_start_at_once()
    {
        var monitor = Monitor();
        for (var i = 0; i < 20; i++)
        {
            Assert.True(monitor.WaitAsync(default).IsCompletedSuccessfully);
            monitor.Release(null);
        }
        Assert.Empty(_probes);
        Assert.Equal(EndpointHealth.Up, monitor.Status.Health);
    }

    [Fact]
    public void A_transient_failure_pauses_new_files_and_a_failed_probe_backs_off_doubling_to_the_cap()
    {
        var monitor = Monitor();
        var start = Scheduler.Now;
        Assert.True(monitor.WaitAsync(default).IsCompletedSuccessfully);
        monitor.Release(Refused);
        Assert.Single(_probes);                           // one probe at once
        Assert.Equal(EndpointHealth.Probing, monitor.Status.Health);
        var waiting = monitor.WaitAsync(default);
        Assert.False(waiting.IsCompleted);                // no new file while it is checked

        FailProbe();
        Assert.Equal(EndpointHealth.Down, monitor.Status.Health);
        Assert.Equal(1, monitor.Epoch);
        for (var i = 0; i < 6; i++)
        {
            Scheduler.Advance(monitor.Status.NextProbe!.Value - Scheduler.Now);
            FailProbe();
        }
        var gaps = _probes.Zip(_probes.Skip(1), (a, b) => (b.At - a.At).TotalSeconds).ToArray();
        Assert.Equal([1.0, 2, 4, 8, 8, 8], gaps);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(start, monitor.Status.DownSince);
        Assert.Contains("connection refused by swift.example.com:8080", monitor.Status.Cause);
    }

    [Fact]
    public void A_successful_probe_resumes_with_two_files_and_each_success_admits_one_more()
    {
        var monitor = Monitor(width: 6);
        Assert.True(monitor.WaitAsync(default).IsCompletedSuccessfully);
        monitor.Release(Refused);
        FailProbe();
        var waiters = Enumerable.Range(0, 10).Select(_ => monitor.WaitAsync(default)).ToList();
        Scheduler.Advance(TimeSpan.FromSeconds(1));
        PassProbe();

        Assert.Equal(EndpointHealth.Up, monitor.Status.Health);
        Assert.Equal(2, waiters.Count(w => w.IsCompletedSuccessfully));
        monitor.Release(null);                            // one done: limit 3, two in flight, one more starts
        Assert.Equal(4, waiters.Count(w => w.IsCompletedSuccessfully));
        monitor.Release(null);                            // limit 4, three in flight
        Assert.Equal(6, waiters.Count(w => w.IsCompletedSuccessfully));
        monitor.Release(null);                            // limit 5, four in flight
        Assert.Equal(8, waiters.Count(w => w.IsCompletedSuccessfully));
        monitor.Release(null);                            // limit 6 = full width: no limit any more
        Assert.Equal(10, waiters.Count(w => w.IsCompletedSuccessfully));
        Assert.True(monitor.WaitAsync(default).IsCompletedSuccessfully);

        var outage = Assert.Single(monitor.Outages);
        Assert.Equal(TimeSpan.FromSeconds(1), outage.Duration);
        Assert.Contains("connection refused", outage.Cause);
    }

    [Fact]
    public void A_probe_that_succeeds_at_once_is_no_outage()
    {
        var monitor = Monitor();
        Assert.True(monitor.WaitAsync(default).IsCompletedSuccessfully);
        monitor.Release(Refused);
        PassProbe();
        Assert.Equal(EndpointHealth.Up, monitor.Status.Health);
        Assert.Equal(0, monitor.Epoch);
        Assert.Empty(monitor.Outages);
    }

    [Fact]
    public void Any_answer_but_a_transient_failure_means_the_endpoint_is_back()
    {
        var monitor = Monitor();
        monitor.Report(Refused);
        _probes[^1].Answer.SetException(new HttpErrorException(HttpMethod.Head, new Uri("http://swift.example.com:8080/v1/AUTH_x/c"), HttpStatusCode.NotFound, "tx1", null));
        Assert.Equal(EndpointHealth.Up, monitor.Status.Health);
    }

    [Fact]
    public async Task Down_for_longer_than_the_budget_every_waiting_and_later_file_is_told_so()
    {
        var monitor = Monitor(Settings with { OutageBudget = TimeSpan.FromSeconds(10) });
        var start = Scheduler.Now;
        monitor.Report(Refused);
        FailProbe();
        var waiting = monitor.WaitAsync(default);
        // A second at a time: TestScheduler runs a due timer with the clock at the end of the step.
        for (var i = 0; i < 30 && monitor.Status.Health != EndpointHealth.GaveUp; i++)
        {
            var probes = _probes.Count;
            Scheduler.Advance(TimeSpan.FromSeconds(1));
            if (_probes.Count > probes) FailProbe();
        }
        Assert.Equal(EndpointHealth.GaveUp, monitor.Status.Health);
        Assert.All(_probes, p => Assert.True(p.At <= start + TimeSpan.FromSeconds(10)));

        var error = await Assert.ThrowsAsync<OutageBudgetExceededException>(() => waiting);
        Assert.Contains("http://swift.example.com:8080 down since", error.Message);
        Assert.Contains("outage budget of 10 s", error.Message);
        Assert.Equal(start, error.DownSince);
        await Assert.ThrowsAsync<OutageBudgetExceededException>(() => monitor.WaitAsync(default));
        Assert.Equal(TimeSpan.FromSeconds(10), Assert.Single(monitor.Outages).Duration);   // given up at the budget's end exactly
    }

    [Fact]
    public async Task The_budget_ends_an_outage_on_time_even_while_a_probe_waits_for_its_answer()
    {
        var monitor = Monitor(Settings with { OutageBudget = TimeSpan.FromSeconds(10) });
        monitor.Report(Refused);
        var waiting = monitor.WaitAsync(default);
        Scheduler.Advance(TimeSpan.FromSeconds(10));   // the first probe never answers
        await Assert.ThrowsAsync<OutageBudgetExceededException>(() => waiting);
        FailProbe();                                   // its late answer changes nothing
        Assert.Equal(EndpointHealth.GaveUp, monitor.Status.Health);
        Assert.Single(_probes);
    }

    [Fact]
    public async Task A_waiting_file_can_be_cancelled()
    {
        var monitor = Monitor();
        monitor.Report(Refused);
        using var cts = new CancellationTokenSource();
        var waiting = monitor.WaitAsync(cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        PassProbe();
        Assert.True(monitor.WaitAsync(default).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task RetryAsync_waits_out_an_outage_and_returns_the_result()
    {
        var monitor = Monitor();
        var calls = 0;
        var result = monitor.RetryAsync(_ => ++calls == 1 ? Task.FromException<int>(Refused) : Task.FromResult(42), default);
        Assert.False(result.IsCompleted);
        FailProbe();
        Scheduler.Advance(TimeSpan.FromSeconds(1));
        PassProbe();
        Assert.Equal(42, await result);
        Assert.Equal(2, calls);
    }
}
