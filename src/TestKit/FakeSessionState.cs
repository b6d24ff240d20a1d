using Akka.Actor;
using OpenStack.Actors.Session;
using OpenStack.Actors.Transport;

namespace OpenStack.Actors.TestKit;

/// <summary>A condition of the fake cloud behind the fake session, played through the session's own policy.
/// Status null: the connection fails.</summary>
internal sealed record ServerCondition(int? Status, TimeSpan? RetryAfter);

/// <summary>
/// What the test scripts and what the fake records, shared by the <see cref="FakeSession"/> (test thread) and its
/// <see cref="FakeCloudActor"/> under one lock. Shared rather than sent as messages because fluent scripting
/// (<c>When(...).Reply(...).Times(2)</c>) must take effect the moment the call returns.
/// </summary>
internal sealed class FakeSessionState
{
    private readonly List<ScriptedRule<RequestMatcher>> _rules = new();
    private readonly List<RecordedRequest> _requests = new();
    private readonly List<UnexpectedRequest> _unexpected = new();
    private readonly HashSet<int> _claimed = new();
    private readonly List<Waiter> _waiters = new();
    private readonly Queue<ServerCondition> _conditions = new();
    private readonly HashSet<int> _settled = new();
    private readonly List<TrackedHeaders> _forwarded = new();

    public object Gate { get; } = new();

    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (Gate) return _requests.ToArray(); }
    }

    public IReadOnlyList<UnexpectedRequest> Unexpected
    {
        get { lock (Gate) return _unexpected.ToArray(); }
    }

    /// <summary>Notes a request on its way to the session, and returns its headers wrapped to name it.</summary>
    public TrackedHeaders Forwarded(OpenStackRequest request, IActorRef sender)
    {
        var tracked = new TrackedHeaders(request, sender);
        lock (Gate) _forwarded.Add(tracked);
        return tracked;
    }

    /// <summary>The request an attempt belongs to: named by its headers, or, when the session sent other headers (it adds
    /// some, such as a global request id), the latest request with the attempt's method whose url the attempt's ends with.</summary>
    public TrackedHeaders? OriginOf(TransportRequest attempt)
    {
        if (attempt.Headers is TrackedHeaders tracked) return tracked;
        var url = attempt.Url.AbsoluteUri;
        lock (Gate)
            return _forwarded.LastOrDefault(f => f.Request.Method == attempt.Method
                && (url == f.Request.Url || url.EndsWith("/" + f.Request.Url.TrimStart('/'), StringComparison.Ordinal)));
    }

    public ScriptedRule<RequestMatcher> AddRule(RequestMatcher matcher)
    {
        lock (Gate)
        {
            var rule = new ScriptedRule<RequestMatcher>(_rules.Count + 1, matcher);
            _rules.Add(rule);
            return rule;
        }
    }

    /// <summary>The step of the first rule (in declaration order) that matches and is not used up. The matchers run outside
    /// the lock: a rule's predicate is the test's code, and one that waits for the test thread must not hold up the test's
    /// own calls into the fake (scripting, expectations) while it waits.</summary>
    public CannedStep? TakeStep(RecordedRequest request)
    {
        (ScriptedRule<RequestMatcher> Rule, RequestMatcher Matcher)[] rules;
        lock (Gate) rules = _rules.Select(r => (r, r.Matcher)).ToArray();
        foreach (var (rule, matcher) in rules)
        {
            if (!matcher.Matches(request)) continue;
            lock (Gate)
                if (rule.Script.Take() is { } step) return step;
        }
        return null;
    }

    public string DescribeRules()
    {
        lock (Gate)
            return _rules.Count == 0 ? "  (none)" : string.Join("\n", _rules.Select(r => "  " + r));
    }

    public IReadOnlyList<string> UnmetSteps()
    {
        lock (Gate)
            return _rules.SelectMany(r => r.Script.Unmet().Select(u => $"rule {r.Number}) {r.Matcher}: {u}")).ToList();
    }

    public RecordedRequest Record(OpenStackRequest request, TransportRequest attempt, IActorRef sender, DateTimeOffset at)
    {
        lock (Gate)
        {
            var recorded = RecordedRequest.Capture(_requests.Count + 1, request, attempt, sender, at);
            _requests.Add(recorded);
            return recorded;
        }
    }

    /// <summary>Marks a request settled and wakes the waiters it satisfies. Called once its reply is on the scheduler or
    /// handled by the session, so that a test that advances virtual time as soon as its expectation returns finds the
    /// reply's (or the retry's) timer in place.</summary>
    public void Notify(RecordedRequest recorded)
    {
        lock (Gate)
        {
            _settled.Add(recorded.Sequence);
            foreach (var waiter in _waiters.ToArray())
            {
                bool matches;
                try
                {
                    matches = waiter.Match(recorded);
                }
                catch (Exception e)
                {
                    // A throwing predicate of the test's expectation fails that expectation, not the fake.
                    _waiters.Remove(waiter);
                    waiter.Done.TrySetException(e);
                    continue;
                }
                if (!matches) continue;
                if (waiter.Claims)
                {
                    if (!_claimed.Add(recorded.Sequence)) continue;
                }
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult(recorded);
            }
        }
    }

    /// <summary>The first settled, unclaimed recorded request that matches (claimed now), or a waiter for the next one.</summary>
    public (RecordedRequest? Found, Waiter? Waiter) ClaimOrWait(Func<RecordedRequest, bool> match)
    {
        lock (Gate)
        {
            foreach (var r in _requests)
                if (_settled.Contains(r.Sequence) && !_claimed.Contains(r.Sequence) && match(r))
                {
                    _claimed.Add(r.Sequence);
                    return (r, null);
                }
            var waiter = new Waiter(match, true);
            _waiters.Add(waiter);
            return (null, waiter);
        }
    }

    /// <summary>A waiter for any request recorded from now on (claims nothing).</summary>
    public Waiter WaitForAny()
    {
        lock (Gate)
        {
            // Sequence numbers, not notification order: a request recorded before may be settled (notified) after the
            // caller has its reply, and is no request of the span to come.
            var recordedBefore = _requests.Count;
            var waiter = new Waiter(r => r.Sequence > recordedBefore, false);
            _waiters.Add(waiter);
            return waiter;
        }
    }

    public void Cancel(Waiter waiter)
    {
        lock (Gate) _waiters.Remove(waiter);
    }

    public void AddUnexpected(UnexpectedRequest unexpected)
    {
        lock (Gate) _unexpected.Add(unexpected);
    }

    public void AddConditions(int count, ServerCondition condition)
    {
        lock (Gate)
            for (var i = 0; i < count; i++) _conditions.Enqueue(condition);
    }

    public ServerCondition? TakeCondition()
    {
        lock (Gate) return _conditions.TryDequeue(out var c) ? c : null;
    }

    internal sealed class Waiter(Func<RecordedRequest, bool> match, bool claims)
    {
        public Func<RecordedRequest, bool> Match { get; } = match;
        public bool Claims { get; } = claims;
        public TaskCompletionSource<RecordedRequest> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
