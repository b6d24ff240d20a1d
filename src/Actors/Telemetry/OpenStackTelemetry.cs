using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OpenStack.Actors.Telemetry;

/// <summary>
/// The library's <see cref="ActivitySource"/> and <see cref="Meter"/>, both named <see cref="Name"/>.
/// Instrument and tag names follow OpenTelemetry's HTTP client semantic conventions where one exists
/// (<c>http.client.request.duration</c>, <c>http.client.active_requests</c>, body sizes); the rest are
/// <c>openstack.*</c>. Subscribe with <c>AddSource("OpenStack.Actors")</c> / <c>AddMeter("OpenStack.Actors")</c>.
/// </summary>
public static class OpenStackTelemetry
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "OpenStack.Actors";

    /// <summary>One activity per HTTP attempt (kind Client).</summary>
    public static readonly ActivitySource ActivitySource = new(Name, Version);

    /// <summary>The meter of all instruments below.</summary>
    public static readonly Meter Meter = new(Name, Version);

    /// <summary>Duration of HTTP attempts, in seconds.</summary>
    public static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>(
        "http.client.request.duration", "s", "Duration of HTTP client requests (one per attempt)");

    /// <summary>HTTP attempts on the wire now.</summary>
    public static readonly UpDownCounter<long> ActiveRequests = Meter.CreateUpDownCounter<long>(
        "http.client.active_requests", "{request}", "HTTP requests in flight");

    /// <summary>Bytes of request bodies sent.</summary>
    public static readonly Histogram<long> RequestBodySize = Meter.CreateHistogram<long>(
        "http.client.request.body.size", "By", "Size of HTTP request bodies");

    /// <summary>Bytes of buffered response bodies received.</summary>
    public static readonly Histogram<long> ResponseBodySize = Meter.CreateHistogram<long>(
        "http.client.response.body.size", "By", "Size of buffered HTTP response bodies");

    /// <summary>Session requests answered (each once), by outcome.</summary>
    public static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "openstack.session.requests", "{request}", "Requests the session answered");

    /// <summary>Attempts repeated after a transient failure.</summary>
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "openstack.session.retries", "{retry}", "Requests sent again after a transient failure");

    /// <summary>Tokens replaced because a server rejected them.</summary>
    public static readonly Counter<long> Reauthentications = Meter.CreateCounter<long>(
        "openstack.session.reauthentications", "{reauthentication}", "Tokens replaced after a 401");

    /// <summary>Keystone token requests made.</summary>
    public static readonly Counter<long> TokenRequests = Meter.CreateCounter<long>(
        "openstack.auth.token_requests", "{request}", "Token requests sent to Keystone (or another authenticator)");

    private static string Version =>
        typeof(OpenStackTelemetry).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    internal static TagList HttpTags(HttpMethod method, Uri url, int? status, string? errorType)
    {
        var tags = new TagList
        {
            { "http.request.method", method.Method },
            { "server.address", url.Host },
            { "server.port", url.Port },
        };
        if (status is { } s) tags.Add("http.response.status_code", s);
        if (errorType is not null) tags.Add("error.type", errorType);
        return tags;
    }
}
