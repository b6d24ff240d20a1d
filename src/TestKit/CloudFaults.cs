using Akka.Actor;
using OpenStack.Actors.Catalog;

namespace OpenStack.Actors.TestKit;

/// <summary>
/// A fault layer scripted by time: a <see cref="DelegatingHandler"/> over any cloud handler (<see cref="FakeCloudHandler"/>,
/// an in-memory store, a real <see cref="SocketsHttpHandler"/>) that delays, refuses, resets, throttles and fails requests
/// by the ActorSystem's scheduler, so that under <see cref="OpenStackTestConfig.VirtualTime"/> a two-minute outage passes
/// when the test advances the TestScheduler, in no wall time. Put it under a real session:
/// <c>SessionActor.Props(authenticator, settings, new CloudFaults(Sys, cloud))</c>.
/// </summary>
/// <remarks>
/// <para>Each request is decided once, on arrival, at the scheduler's time then: a matching <see cref="Down(string?, TimeSpan, TimeSpan)"/> refuses it
/// (nothing else applies); otherwise it waits out every matching <see cref="Latency(TimeSpan)"/>, then gets the 401 of a
/// revoked token, or else the first matching reset, server error or throttle in the order the rules were made; a request
/// none of these replaced goes to the inner handler, and a matching <see cref="ResetMidBody"/> breaks the body of its
/// answer. Requests the layer answers itself never reach the inner handler.</para>
/// <para>Times given as <see cref="TimeSpan"/> count from the layer's creation (<see cref="Start"/>); the
/// <see cref="DateTimeOffset"/> overloads take instants of <c>Sys.Scheduler.Now</c>. Latency runs on the scheduler only:
/// the session's per-attempt timeout runs on the wall clock and does not see it, but its own reply deadline (timeout plus
/// <c>reply-grace</c>, on the scheduler) does.</para>
/// <para>Thread-safe. To move virtual time deterministically, await an arrival first (<see cref="WaitForRequestAsync(int, TimeSpan?)"/>):
/// by then the layer has decided the request's fate and set its latency timer.</para>
/// </remarks>
public sealed partial class CloudFaults : DelegatingHandler
{
    private const string TokenHeader = "X-Auth-Token";

    private readonly object _gate = new();
    private IScheduler? _scheduler;
    private DateTimeOffset _start;
    private readonly List<FaultRule> _rules = new();
    private readonly List<FaultRequest> _requests = new();
    private readonly List<InjectedFault> _injected = new();
    private readonly Dictionary<string, DateTimeOffset> _issued = new(StringComparer.Ordinal);
    private readonly List<(string Prefix, string Origin, string Service)> _services = new();
    private readonly List<DateTimeOffset> _delayed = new();

    /// <summary>Creates the layer over <paramref name="inner"/>, timed by <paramref name="scheduler"/>; its script starts now.</summary>
    public CloudFaults(IScheduler scheduler, HttpMessageHandler inner) : this(inner) => Bind(scheduler);

    /// <summary>Creates the layer over <paramref name="inner"/> before there is an ActorSystem (Akka.Hosting); script it at
    /// once, and <see cref="Bind(IScheduler)"/> it to the system's scheduler (<c>WithCloudFaults</c> does) before the first
    /// request. Its relative times count from the binding.</summary>
    public CloudFaults(HttpMessageHandler inner) : base(inner ?? throw new ArgumentNullException(nameof(inner)))
    {
    }

    /// <summary>Creates the layer over <paramref name="inner"/>, timed by the system's scheduler (virtual under the TestScheduler).</summary>
    public CloudFaults(ActorSystem system, HttpMessageHandler inner) : this(inner) => Bind(system);

    /// <summary>When the script started: the scheduler's time at creation (or binding), from which relative times count.</summary>
    /// <exception cref="InvalidOperationException">The layer is not bound to a scheduler yet.</exception>
    public DateTimeOffset Start
    {
        get
        {
            lock (_gate) return _scheduler is null ? throw NotBound() : _start;
        }
    }

    /// <summary>Scheduler time since <see cref="Start"/>.</summary>
    public TimeSpan Elapsed => Scheduler.Now - Start;

    private IScheduler Scheduler
    {
        get
        {
            lock (_gate) return _scheduler ?? throw NotBound();
        }
    }

    /// <summary>Times the layer by <paramref name="scheduler"/> from now on (the script's <see cref="Start"/>); once only.</summary>
    /// <exception cref="InvalidOperationException">It is bound to another scheduler already.</exception>
    public void Bind(IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        lock (_gate)
        {
            if (ReferenceEquals(_scheduler, scheduler)) return;
            if (_scheduler is not null) throw new InvalidOperationException("This CloudFaults layer is bound to another scheduler already: create one per ActorSystem");
            _scheduler = scheduler;
            _start = scheduler.Now;
        }
    }

    /// <summary>Times the layer by the system's scheduler from now on.</summary>
    public void Bind(ActorSystem system) => Bind((system ?? throw new ArgumentNullException(nameof(system))).Scheduler);

    private static InvalidOperationException NotBound() =>
        new("This CloudFaults layer has no scheduler yet: create it with the ActorSystem, or Bind it (Akka.Hosting: builder.WithCloudFaults(faults))");

    /// <summary>Every request that arrived, in order.</summary>
    public IReadOnlyList<FaultRequest> Requests
    {
        get { lock (_gate) return _requests.ToArray(); }
    }

    /// <summary>Every fault injected, in order.</summary>
    public IReadOnlyList<InjectedFault> Injected
    {
        get { lock (_gate) return _injected.ToArray(); }
    }

    /// <summary>The earliest instant at which a request waiting out its latency goes on; null when none waits. With a
    /// batch's <c>TransferRun.Endpoint.NextProbe</c>, it is where a test advances virtual time to next.</summary>
    public DateTimeOffset? NextDue
    {
        get { lock (_gate) return _delayed.Count == 0 ? null : _delayed.Min(); }
    }

    /// <summary>The rules, in the order they were made.</summary>
    public IReadOnlyList<FaultRule> Rules
    {
        get { lock (_gate) return _rules.ToArray(); }
    }

    /// <summary>How many faults of this kind were injected: <c>Assert.Equal(3, faults.Count(FaultKind.Throttle))</c>.</summary>
    public int Count(FaultKind kind)
    {
        lock (_gate) return _injected.Count(f => f.Kind == kind);
    }

    /// <summary>Requests wait <paramref name="delay"/> on the scheduler before they go on (every match, unless narrowed).</summary>
    public FaultRule Latency(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return Add(FaultKind.Latency, $"latency {delay.TotalSeconds:0.###} s", r => { r.Delay = delay; });
    }

    /// <summary>Requests wait as long as <paramref name="delay"/> says for each (called under the layer's lock: keep it quick and pure).</summary>
    public FaultRule Latency(Func<FaultRequest, TimeSpan> delay)
    {
        ArgumentNullException.ThrowIfNull(delay);
        return Add(FaultKind.Latency, "latency by a function", r => { r.DelayOf = delay; });
    }

    /// <summary>Requests get <paramref name="status"/> with an OpenStack error body instead of the service's answer: the next
    /// <paramref name="count"/> matches, or every match (narrow it with <see cref="FaultRule.Between(TimeSpan, TimeSpan)"/>).</summary>
    public FaultRule ServerErrors(int status = 503, int? count = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(status, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(status, 599);
        return Limit(Add(FaultKind.ServerError, $"{status}", r => { r.Status = status; }), count);
    }

    /// <summary>Requests get 429 with <c>Retry-After</c> (whole seconds, rounded up): the next <paramref name="count"/> matches, or every match.</summary>
    public FaultRule Throttle(TimeSpan retryAfter, int? count = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retryAfter, TimeSpan.Zero);
        return Limit(Add(FaultKind.Throttle, $"429 retry after {Math.Ceiling(retryAfter.TotalSeconds):0} s", r => { r.Status = 429; r.RetryAfter = retryAfter; }), count);
    }

    /// <summary>The connection is reset before any response (the next <paramref name="count"/> matches; null: every match).
    /// The session reports it as <see cref="Http.ConnectionFailedException"/> "connection reset by host:port".</summary>
    public FaultRule ResetBeforeResponse(int? count = 1) => Limit(Add(FaultKind.ResetBeforeResponse, "reset before the response", null), count);

    /// <summary>The service answers, and its body breaks after <paramref name="afterBytes"/> bytes (null: half its
    /// Content-Length) as a reset connection breaks it (the next <paramref name="count"/> matches; null: every match). The
    /// request did reach the service. Only bodies that are read break (a HEAD's is not).</summary>
    public FaultRule ResetMidBody(long? afterBytes = null, int? count = 1)
    {
        if (afterBytes is { } n) ArgumentOutOfRangeException.ThrowIfNegative(n);
        return Limit(Add(FaultKind.ResetMidBody, $"reset after {(afterBytes is { } b ? $"{b} bytes" : "half the body")}", r => { r.AfterBytes = afterBytes; }), count);
    }

    /// <summary>The endpoints of <paramref name="service"/> (a catalog type; null: every request) refuse connections from
    /// <paramref name="from"/> to <paramref name="to"/> after <see cref="Start"/>, as a stopped server's port does.</summary>
    public FaultRule Down(string? service, TimeSpan from, TimeSpan to) => Down(Add(FaultKind.Down, "down (connection refused)", null).Between(from, to), service);

    /// <summary>As <see cref="Down(string?, TimeSpan, TimeSpan)"/>, between two instants of the scheduler's clock.</summary>
    public FaultRule Down(string? service, DateTimeOffset from, DateTimeOffset to) =>
        Down(Add(FaultKind.Down, "down (connection refused)", null).Between(from, to), service);

    private static FaultRule Down(FaultRule rule, string? service) => service is null ? rule : rule.For(service);

    /// <summary>Every token issued before <paramref name="at"/> (after <see cref="Start"/>) is revoked then: a request bearing
    /// one gets 401 from that moment; tokens Keystone issues later work. Tokens the layer did not see issued (static
    /// tokens, or issued before the layer) count as issued before.</summary>
    public FaultRule RevokeTokensAt(TimeSpan at) => Revoke(ScriptTime.After(at)).From(at);

    /// <summary>As <see cref="RevokeTokensAt(TimeSpan)"/>, at an instant of the scheduler's clock.</summary>
    public FaultRule RevokeTokensAt(DateTimeOffset at) => Revoke(ScriptTime.Instant(at)).Between(at, DateTimeOffset.MaxValue);

    private FaultRule Revoke(ScriptTime at) => Add(FaultKind.RevokedToken, $"tokens revoked at {at}", r => { r.RevokedAt = at; });

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var url = request.RequestUri ?? throw new InvalidOperationException("The request has no url");
        FaultPlan plan;
        Task? latency;
        lock (_gate)
        {
            plan = Decide(request, url);
            latency = plan.Delay > TimeSpan.Zero ? DelayAsync(plan.Delay, cancellationToken) : null;
        }
        Signal();
        if (plan.Refuse) throw FaultResponses.Refused(url);
        if (latency is not null) await latency.ConfigureAwait(false);
        if (plan.Replace is { } rule)
        {
            if (rule.Kind == FaultKind.ResetBeforeResponse) throw FaultResponses.ResetBeforeResponse();
            return rule.Kind == FaultKind.RevokedToken ? FaultResponses.Unauthorized(request) : FaultResponses.Status(rule.Status, request, rule.Kind == FaultKind.Throttle ? rule.RetryAfter : null);
        }
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Headers.TryGetValues("X-Subject-Token", out var tokens)) await LearnAsync(tokens.First(), response, cancellationToken).ConfigureAwait(false);
        return plan.BreakBody is { } reset ? FaultResponses.BreakBody(response, reset.AfterBytes) : response;
    }

    /// <summary>Records the request and what happens to it; under the lock.</summary>
    private FaultPlan Decide(HttpRequestMessage request, Uri url)
    {
        var now = Scheduler.Now;
        var service = ServiceOf(url);
        var arrived = new FaultRequest(_requests.Count + 1, request.Method, url, now, service, []);
        bool Matches(FaultRule r) => r.Matches(request.Method, url, service, now, _start, () => arrived);
        var acting = new List<FaultRule>();
        var plan = new FaultPlan();
        if (_rules.FirstOrDefault(r => r.Kind == FaultKind.Down && Matches(r)) is { } down)
        {
            acting.Add(down);
            plan.Refuse = true;
        }
        else
        {
            foreach (var latency in _rules.Where(r => r.Kind == FaultKind.Latency && Matches(r)))
            {
                acting.Add(latency);
                plan.Delay += latency.Delay ?? latency.DelayOf!(arrived);
            }
            var token = request.Headers.TryGetValues(TokenHeader, out var values) ? values.First() : null;
            plan.Replace = token is null ? null : _rules.FirstOrDefault(r => r.Kind == FaultKind.RevokedToken && Matches(r) && IssuedBefore(token, r.RevokedAt.Resolve(_start)));
            plan.Replace ??= _rules.FirstOrDefault(r => r.Kind is FaultKind.ResetBeforeResponse or FaultKind.ServerError or FaultKind.Throttle && Matches(r));
            if (plan.Replace is not null) acting.Add(plan.Replace);
            else if (_rules.FirstOrDefault(r => r.Kind == FaultKind.ResetMidBody && Matches(r)) is { } reset)
            {
                acting.Add(reset);
                plan.BreakBody = reset;
            }
        }
        var recorded = arrived with { Faults = acting.Select(r => r.Kind).ToArray() };
        _requests.Add(recorded);
        foreach (var rule in acting)
        {
            rule.Use();
            _injected.Add(new InjectedFault(rule.Kind, recorded, rule.ToString()));
        }
        return plan;
    }

    /// <summary>Completes after <paramref name="delay"/> on the scheduler; the timer is set before this returns (called under the lock).</summary>
    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var elapsed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var timer = new Cancelable(Scheduler);
        var due = Scheduler.Now + delay;
        _delayed.Add(due);
        Scheduler.Advanced.ScheduleOnce(delay, () =>
        {
            lock (_gate) _delayed.Remove(due);
            elapsed.TrySetResult();
        }, timer);
        await using var registration = cancellationToken.Register(() =>
        {
            timer.Cancel();
            lock (_gate) _delayed.Remove(due);
            elapsed.TrySetCanceled(cancellationToken);
        }).ConfigureAwait(false);
        await elapsed.Task.ConfigureAwait(false);
    }

    private FaultRule Add(FaultKind kind, string what, Action<FaultRule>? configure)
    {
        lock (_gate)
        {
            var rule = new FaultRule(_gate, _rules.Count + 1, kind, what);
            configure?.Invoke(rule);
            _rules.Add(rule);
            return rule;
        }
    }

    private static FaultRule Limit(FaultRule rule, int? count) => count is { } n ? rule.Times(n) : rule;

    private sealed class FaultPlan
    {
        public bool Refuse { get; set; }
        public TimeSpan Delay { get; set; }
        public FaultRule? Replace { get; set; }
        public FaultRule? BreakBody { get; set; }
    }
}
