using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.TestKit;

/// <summary>
/// The canned replies of one scripted rule, in order. Each <c>Reply…</c>/<c>Fail…</c> call appends a step;
/// <see cref="Times"/>, <see cref="WithHeader"/> (and the fake session's <c>After</c>) change the step just added.
/// A step is used once when another follows it, and for every further match when it is the last, unless
/// <see cref="Times"/> says otherwise; a rule whose steps are all used up matches no more (later rules, or the
/// unexpected-request failure, take over). A rule with no step answers 200 with an empty body.
/// </summary>
/// <typeparam name="TSelf">The concrete builder, so that calls chain.</typeparam>
public abstract class ReplyBuilder<TSelf> where TSelf : ReplyBuilder<TSelf>
{
    private readonly object _gate;
    private readonly StepScript _script;

    private protected ReplyBuilder(object gate, StepScript script)
    {
        _gate = gate;
        _script = script;
    }

    private TSelf Self => (TSelf)this;

    /// <summary>Reads well between steps: <c>.Reply(503).Then.Reply(200, json)</c>.</summary>
    public TSelf Then => Self;

    /// <summary>Answers a status with an optional JSON body (<c>application/json</c>).</summary>
    public TSelf Reply(int status, string? json = null) =>
        Add(new CannedStep { Status = status, Body = json is null ? [] : Encoding.UTF8.GetBytes(json), ContentType = json is null ? null : "application/json" });

    /// <summary>Answers a status with an optional JSON body (<c>application/json</c>).</summary>
    public TSelf Reply(HttpStatusCode status, string? json = null) => Reply((int)status, json);

    /// <summary>Answers with <paramref name="value"/> serialised by System.Text.Json.</summary>
    public TSelf ReplyJson<T>(T value, int status = 200, JsonSerializerOptions? options = null) =>
        Add(new CannedStep { Status = status, Body = JsonSerializer.SerializeToUtf8Bytes(value, options), ContentType = "application/json" });

    /// <summary>Answers with a text body.</summary>
    public TSelf ReplyText(int status, string text, string contentType = "text/plain; charset=utf-8") =>
        Add(new CannedStep { Status = status, Body = Encoding.UTF8.GetBytes(text), ContentType = contentType });

    /// <summary>Answers with raw bytes.</summary>
    public TSelf ReplyBytes(int status, ReadOnlyMemory<byte> body, string? contentType = "application/octet-stream") =>
        Add(new CannedStep { Status = status, Body = body.ToArray(), ContentType = contentType });

    /// <summary>Answers 429 with <c>Retry-After</c> in whole seconds (rounded up) and an OpenStack error body.</summary>
    public TSelf ReplyTooManyRequests(TimeSpan retryAfter)
    {
        Add(new CannedStep
        {
            Status = 429,
            Body = Encoding.UTF8.GetBytes(KeystoneFixtures.ErrorJson(429, "Too Many Requests", "Rate limit exceeded, retry later")),
            ContentType = "application/json",
        });
        return WithHeader("Retry-After", Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Adds a response header to the step just added (e.g. <c>x-openstack-request-id</c>, <c>Retry-After</c>).</summary>
    public TSelf WithHeader(string name, string value) => Modify(step => step.Headers[name] = value);

    /// <summary>Adds response headers to the step just added.</summary>
    public TSelf WithHeaders(IReadOnlyDictionary<string, string> headers) => Modify(step =>
    {
        foreach (var (name, value) in headers) step.Headers[name] = value;
    });

    /// <summary>The step just added answers this many matches, then gives way to the next step.</summary>
    public TSelf Times(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return Modify(step => step.Times = count);
    }

    /// <summary>The step just added answers one match.</summary>
    public TSelf Once() => Times(1);

    private protected TSelf Add(CannedStep step)
    {
        lock (_gate) _script.Steps.Add(step);
        return Self;
    }

    private protected TSelf Modify(Action<CannedStep> change)
    {
        lock (_gate)
        {
            if (_script.Steps.Count == 0)
                throw new InvalidOperationException("Add a reply first (Reply, ReplyJson, Fail...): this modifies the reply just added");
            change(_script.Steps[^1]);
        }
        return Self;
    }
}

/// <summary>The rule builder of <see cref="FakeSession.When(HttpMethod?, UrlPattern)"/>.</summary>
public sealed class SessionReplyBuilder : ReplyBuilder<SessionReplyBuilder>
{
    private readonly object _gate;
    private readonly ScriptedRule<RequestMatcher> _rule;

    internal SessionReplyBuilder(object gate, ScriptedRule<RequestMatcher> rule) : base(gate, rule.Script)
    {
        _gate = gate;
        _rule = rule;
    }

    /// <summary>What the rule matches.</summary>
    public RequestMatcher Matcher
    {
        get
        {
            lock (_gate) return _rule.Matcher;
        }
    }

    /// <summary>Restricts the rule to requests whose service filter names this type (and interface, region when given).</summary>
    public SessionReplyBuilder ForService(string serviceType, string? @interface = null, string? region = null) =>
        Match(m => m.ForService(serviceType, @interface, region));

    /// <summary>Restricts the rule to requests whose filter has the type, first interface and region of <paramref name="filter"/>.</summary>
    public SessionReplyBuilder ForService(Catalog.ServiceFilter filter) => Match(m => m.ForService(filter));

    /// <summary>Restricts the rule with a predicate (headers, body...).</summary>
    public SessionReplyBuilder Where(Func<RecordedRequest, bool> predicate, string description = "a predicate") =>
        Match(m => m.Where(predicate, description));

    /// <summary>The attempt fails at the transport with <paramref name="error"/>, which the session then handles as its own
    /// transport's failure: a <see cref="ConnectionFailedException"/> or <see cref="RequestTimeoutException"/> is retried
    /// for idempotent requests (per the settings), anything else (<see cref="HttpErrorException"/>,
    /// <see cref="Catalog.EndpointNotFoundException"/>, <see cref="Auth.AuthenticationFailedException"/>...) reaches the
    /// caller at once in a <see cref="RequestFailed"/>. The same instance is sent each time.</summary>
    public SessionReplyBuilder Fail(OpenStackException error) => Add(new CannedStep { Error = error ?? throw new ArgumentNullException(nameof(error)) });

    /// <summary>
    /// Delays the step just added on the ActorSystem's scheduler: under the TestScheduler the reply comes only when the
    /// test advances virtual time this far. A delay reaching the attempt's timeout (<see cref="RequestOptions.Timeout"/>,
    /// else <c>openstack.session.request-timeout</c>) ends in the transport's <see cref="RequestTimeoutException"/> (url
    /// redacted) when the timeout runs out, which the session retries for idempotent requests like the real one.
    /// </summary>
    public SessionReplyBuilder After(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return Modify(step => step.Delay = delay);
    }

    private SessionReplyBuilder Match(Func<RequestMatcher, RequestMatcher> change)
    {
        lock (_gate) _rule.Matcher = change(_rule.Matcher);
        return this;
    }
}

/// <summary>The rule builder of <see cref="FakeCloudHandler.When(HttpMethod?, UrlPattern)"/>.</summary>
/// <remarks>No delays here: HTTP runs on real time, and the real session's timeouts are real-time too.
/// For replies delayed in virtual time, use <see cref="FakeSession"/>.</remarks>
public sealed class HttpReplyBuilder : ReplyBuilder<HttpReplyBuilder>
{
    private readonly object _gate;
    private readonly ScriptedRule<HttpRequestMatcher> _rule;

    internal HttpReplyBuilder(object gate, ScriptedRule<HttpRequestMatcher> rule) : base(gate, rule.Script)
    {
        _gate = gate;
        _rule = rule;
    }

    /// <summary>Restricts the rule with a predicate (headers, body...).</summary>
    public HttpReplyBuilder Where(Func<HttpRecordedRequest, bool> predicate, string description = "a predicate")
    {
        lock (_gate) _rule.Matcher = _rule.Matcher with { Predicate = predicate, PredicateDescription = description };
        return this;
    }

    /// <summary>The connection fails (an <see cref="HttpRequestException"/>): the session reports
    /// <see cref="ConnectionFailedException"/>, after retrying idempotent requests.</summary>
    public HttpReplyBuilder FailConnection(string message = "Connection refused") => Add(new CannedStep { ConnectionFailure = message });
}

/// <summary>A rule: what it matches and its steps. Guarded by the owner's lock.</summary>
internal sealed class ScriptedRule<TMatcher>(int number, TMatcher matcher)
{
    public int Number { get; } = number;
    public TMatcher Matcher { get; set; } = matcher;
    public StepScript Script { get; } = new();

    public override string ToString() => $"{Number}) {Matcher} -> {Script}";
}

/// <summary>The ordered steps of a rule and how far they are used.</summary>
internal sealed class StepScript
{
    /// <summary>What a rule without steps answers.</summary>
    private static CannedStep DefaultStep => new() { Status = 200 };

    private int _index;

    public List<CannedStep> Steps { get; } = new();

    /// <summary>The next step to answer with, or null when all are used up.</summary>
    public CannedStep? Take()
    {
        if (Steps.Count == 0) Steps.Add(DefaultStep);
        while (_index < Steps.Count)
        {
            var step = Steps[_index];
            if (step.Used < Limit(_index))
            {
                step.Used++;
                return step;
            }
            _index++;
        }
        return null;
    }

    /// <summary>Steps with a finite count that were not used that often.</summary>
    public IEnumerable<string> Unmet()
    {
        for (var i = 0; i < Steps.Count; i++)
            if (Limit(i) != int.MaxValue && Steps[i].Used < Limit(i))
                yield return $"{Steps[i].Describe()} was used {Steps[i].Used} of {Limit(i)} times";
    }

    private int Limit(int i) => Steps[i].Times ?? (i == Steps.Count - 1 ? int.MaxValue : 1);

    public override string ToString() =>
        Steps.Count == 0 ? "200 (no reply scripted)" : string.Join(", then ", Steps.Select((s, i) =>
            $"{s.Describe()}{(Limit(i) == int.MaxValue ? "" : $" x{Limit(i)}")} (used {s.Used})"));
}

/// <summary>One canned reply. Mutable only while the test scripts it (under the owner's lock).</summary>
internal sealed class CannedStep
{
    public int Status { get; set; } = 200;
    public byte[] Body { get; set; } = [];
    public string? ContentType { get; set; }
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);
    public OpenStackException? Error { get; set; }
    public string? ConnectionFailure { get; set; }
    public TimeSpan Delay { get; set; }
    public int? Times { get; set; }
    public int Used { get; set; }

    public string Describe()
    {
        var what = Error is not null ? $"fail with {Error.GetType().Name}"
            : ConnectionFailure is not null ? "connection failure"
            : $"{Status}{(Body.Length == 0 ? "" : $" ({Body.Length} bytes{(ContentType is null ? "" : $" {ContentType}")})")}";
        return Delay > TimeSpan.Zero ? $"{what} after {Delay.TotalSeconds:0.###} s" : what;
    }
}
