using OpenStack.Actors.Catalog;

namespace OpenStack.Actors.TestKit;

/// <summary>What a <see cref="CloudFaults"/> rule does to the requests it matches.</summary>
public enum FaultKind
{
    /// <summary>The request waits on the ActorSystem's scheduler before it goes on.</summary>
    Latency,

    /// <summary>An error status (503 unless told otherwise) instead of the service's answer.</summary>
    ServerError,

    /// <summary>429 with <c>Retry-After</c> instead of the service's answer.</summary>
    Throttle,

    /// <summary>The connection is reset before any response: <see cref="HttpRequestException"/> over a
    /// <see cref="System.Net.Sockets.SocketException"/> (ConnectionReset).</summary>
    ResetBeforeResponse,

    /// <summary>The service's answer starts, then reading its body throws an <see cref="IOException"/> over a
    /// <see cref="System.Net.Sockets.SocketException"/> (ConnectionReset).</summary>
    ResetMidBody,

    /// <summary>The endpoint refuses connections: <see cref="HttpRequestException"/> over a
    /// <see cref="System.Net.Sockets.SocketException"/> (ConnectionRefused).</summary>
    Down,

    /// <summary>A token issued before the revocation instant gets 401.</summary>
    RevokedToken,
}

/// <summary>A request as it arrived at a <see cref="CloudFaults"/> layer, with what the layer did to it.</summary>
/// <param name="Sequence">1 for the first request the layer saw, then 2, 3...</param>
/// <param name="Method">The method.</param>
/// <param name="Url">The absolute url.</param>
/// <param name="At">The scheduler's time on arrival (virtual under the TestScheduler).</param>
/// <param name="Service">The canonical service type the url belongs to by the catalogs seen in Keystone's answers (or
/// declared with <see cref="CloudFaults.MapService"/>); <c>identity</c> for token requests; null when unknown.</param>
/// <param name="Faults">The faults injected into it, in the order they act.</param>
public sealed record FaultRequest(int Sequence, HttpMethod Method, Uri Url, DateTimeOffset At, string? Service, IReadOnlyList<FaultKind> Faults)
{
    /// <summary>True when the layer let it through unchanged.</summary>
    public bool Untouched => Faults.Count == 0;

    /// <summary>Method and url; never headers (the token) or body.</summary>
    public override string ToString() => $"#{Sequence} {Method} {Url}{(Service is null ? "" : $" ({Service})")}";
}

/// <summary>One fault a <see cref="CloudFaults"/> layer injected.</summary>
/// <param name="Kind">What it was.</param>
/// <param name="Request">The request it was injected into.</param>
/// <param name="Rule">The rule that injected it, as <see cref="FaultRule.ToString"/> reads.</param>
public sealed record InjectedFault(FaultKind Kind, FaultRequest Request, string Rule)
{
    /// <summary>For messages.</summary>
    public override string ToString() => $"{Kind} into {Request}";
}

/// <summary>
/// One scripted fault of a <see cref="CloudFaults"/> layer, made by its <c>Latency</c>, <c>ServerErrors</c>... methods.
/// The calls here narrow it (every unset part matches anything) and chain: <c>faults.ServerErrors(503).For("object-store").OnMethod(HttpMethod.Put).Times(3)</c>.
/// A rule matches a request when the request's service, host, url, method and predicate match and the scheduler's time
/// on arrival is inside the rule's window; it acts on at most <see cref="Times"/> requests.
/// </summary>
public sealed class FaultRule
{
    private readonly object _gate;
    private string? _service;
    private string? _host;
    private UrlPattern? _url;
    private HashSet<HttpMethod>? _methods;
    private Func<FaultRequest, bool>? _predicate;
    private string? _predicateDescription;
    private ScriptTime? _from, _until;
    private int? _limit;
    private int _used;

    internal FaultRule(object gate, int number, FaultKind kind, string what)
    {
        _gate = gate;
        Number = number;
        Kind = kind;
        What = what;
    }

    /// <summary>1 for the first rule of the layer, then 2, 3...</summary>
    public int Number { get; }

    /// <summary>What the rule does.</summary>
    public FaultKind Kind { get; }

    /// <summary>Requests the rule has acted on so far.</summary>
    public int Injected
    {
        get
        {
            lock (_gate) return _used;
        }
    }

    internal string What { get; }

    internal TimeSpan? Delay { get; set; }

    internal Func<FaultRequest, TimeSpan>? DelayOf { get; set; }

    internal int Status { get; set; }

    internal TimeSpan RetryAfter { get; set; }

    internal long? AfterBytes { get; set; }

    internal ScriptTime RevokedAt { get; set; }

    /// <summary>Only requests to this service (a catalog type such as <c>object-store</c>; aliases accepted).</summary>
    public FaultRule For(string serviceType) => Set(() => _service = ServiceTypes.Canonical(serviceType ?? throw new ArgumentNullException(nameof(serviceType))));

    /// <summary>Only requests to this host (<c>swift.test</c>) or host and port (<c>swift.test:8080</c>).</summary>
    public FaultRule OnHost(string host) => Set(() => _host = host ?? throw new ArgumentNullException(nameof(host)));

    /// <summary>Only requests whose absolute url, or path and query, matches.</summary>
    public FaultRule OnUrl(UrlPattern url) => Set(() => _url = url ?? throw new ArgumentNullException(nameof(url)));

    /// <summary>Only requests with one of these methods.</summary>
    public FaultRule OnMethod(params HttpMethod[] methods)
    {
        ArgumentOutOfRangeException.ThrowIfZero(methods.Length);
        return Set(() => _methods = methods.ToHashSet());
    }

    /// <summary>Only requests for which <paramref name="predicate"/> holds.</summary>
    public FaultRule Where(Func<FaultRequest, bool> predicate, string description = "a predicate") => Set(() =>
    {
        _predicate = predicate ?? throw new ArgumentNullException(nameof(predicate));
        _predicateDescription = description;
    });

    /// <summary>Only requests arriving from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive) after
    /// the layer's <see cref="CloudFaults.Start"/>, on the scheduler's clock.</summary>
    public FaultRule Between(TimeSpan from, TimeSpan to)
    {
        if (to < from) throw new ArgumentOutOfRangeException(nameof(to), $"The window ends ({to}) before it starts ({from})");
        return Set(() => (_from, _until) = (ScriptTime.After(from), ScriptTime.After(to)));
    }

    /// <summary>Only requests arriving from the instant <paramref name="from"/> (inclusive) to <paramref name="to"/>
    /// (exclusive) on the scheduler's clock (<c>Sys.Scheduler.Now</c>).</summary>
    public FaultRule Between(DateTimeOffset from, DateTimeOffset to)
    {
        if (to < from) throw new ArgumentOutOfRangeException(nameof(to), $"The window ends ({to:O}) before it starts ({from:O})");
        return Set(() => (_from, _until) = (ScriptTime.Instant(from), ScriptTime.Instant(to)));
    }

    /// <summary>Only requests arriving this long after the layer's <see cref="CloudFaults.Start"/>, or later.</summary>
    public FaultRule From(TimeSpan from) => Set(() => _from = ScriptTime.After(from));

    /// <summary>Only requests arriving before this long after the layer's <see cref="CloudFaults.Start"/>.</summary>
    public FaultRule Until(TimeSpan until) => Set(() => _until = ScriptTime.After(until));

    /// <summary>Acts on the next <paramref name="count"/> matching requests, then matches no more.</summary>
    public FaultRule Times(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return Set(() => _limit = count);
    }

    /// <summary>True when the rule matches and has uses left; under the layer's lock.</summary>
    internal bool Matches(HttpMethod method, Uri url, string? service, DateTimeOffset now, DateTimeOffset origin, Func<FaultRequest> request)
    {
        if (_limit is { } limit && _used >= limit) return false;
        if (_from is { } from && now < from.Resolve(origin)) return false;
        if (_until is { } until && now >= until.Resolve(origin)) return false;
        if (_methods is not null && !_methods.Contains(method)) return false;
        if (_service is not null && !string.Equals(_service, service, StringComparison.Ordinal)) return false;
        if (_host is not null && !string.Equals(_host, url.Host, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(_host, url.Authority, StringComparison.OrdinalIgnoreCase)) return false;
        if (_url is not null && !_url.IsMatchAny([url.AbsoluteUri, url.PathAndQuery])) return false;
        return _predicate is null || _predicate(request());
    }

    /// <summary>Counts one use; under the layer's lock.</summary>
    internal void Use() => _used++;

    /// <summary>For messages: <c>3) 503 for object-store PUT x3 (used 1)</c>.</summary>
    public override string ToString()
    {
        lock (_gate)
        {
            var parts = new List<string> { $"{Number}) {What}" };
            if (_service is not null) parts.Add($"for {_service}");
            if (_host is not null) parts.Add($"on {_host}");
            if (_url is not null) parts.Add($"at {_url}");
            if (_methods is not null) parts.Add(string.Join("/", _methods.Select(m => m.Method)));
            if (_predicate is not null) parts.Add($"where {_predicateDescription}");
            if (_from is not null || _until is not null)
                parts.Add($"from {_from?.ToString() ?? "the start"} to {_until?.ToString() ?? "the end"}");
            if (_limit is not null) parts.Add($"x{_limit}");
            return $"{string.Join(" ", parts)} (used {_used})";
        }
    }

    private FaultRule Set(Action change)
    {
        lock (_gate) change();
        return this;
    }
}

/// <summary>A time of a fault script: an offset from the layer's start, or an instant of the scheduler's clock.</summary>
internal readonly record struct ScriptTime(TimeSpan? Offset, DateTimeOffset? At)
{
    public static ScriptTime After(TimeSpan offset) => new(offset, null);

    public static ScriptTime Instant(DateTimeOffset at) => new(null, at);

    public DateTimeOffset Resolve(DateTimeOffset origin) => At ?? origin + Offset!.Value;

    public override string ToString() => At is { } at ? $"{at.ToUniversalTime():HH:mm:ss.fff} UTC" : $"{Offset!.Value.TotalSeconds:0.###} s";
}
