using System.Globalization;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Discovery;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Session;

/// <summary>
/// The per-request rules of the session, as pure functions: what is a valid request, how a url is resolved, who gets
/// the token, what may be retried and how long to wait.
/// </summary>
internal static class SessionRules
{
    /// <summary>A typed error for a request that must not be sent, or null.</summary>
    internal static InvalidRequestException? Validate(OpenStackRequest request)
    {
        if (request.Url is null) return new InvalidRequestException("The url is missing");
        if (request.Url.AsSpan().IndexOfAny('\r', '\n') >= 0) return new InvalidRequestException("The url contains CR or LF");
        if (request.Url.Contains("://", StringComparison.Ordinal) && AbsoluteHttpUrl(request.Url) is null)
            return new InvalidRequestException($"The url '{request.Url}' is neither relative nor a valid http(s) url");
        if (request.Api is { } api)
        {
            if (request.Service is null) return new InvalidRequestException($"{request} asks for an API version ({api}) but names no service");
            if (api.Problem() is { } problem) return new InvalidRequestException(problem);
        }
        if (request.Options?.GlobalRequestId is { } id && !ApiHeaders.IsValidGlobalRequestId(id))
            return new InvalidRequestException($"The global request id '{id.ReplaceLineEndings(" ")}' is not 'req-' and a lower-case uuid (e.g. req-{Guid.Empty})");
        if (request.Headers is not null)
            foreach (var (name, value) in request.Headers)
            {
                if (string.IsNullOrWhiteSpace(name) || name.AsSpan().IndexOfAny("\r\n: ") >= 0)
                    return new InvalidRequestException($"Invalid header name '{name.ReplaceLineEndings(" ")}'");
                if (value is null || value.AsSpan().IndexOfAny('\r', '\n') >= 0)
                    return new InvalidRequestException($"The value of header '{name}' contains CR or LF");
            }
        return null;
    }

    /// <summary>The url as an absolute http(s) Uri, or null for a relative one. Cheap for the common relative case:
    /// on Unix, <see cref="Uri.TryCreate(string, UriKind, out Uri)"/> would take "/c/o" for an absolute file path.</summary>
    internal static Uri? AbsoluteHttpUrl(string url) =>
        url.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : null;

    /// <summary>True when the request cannot be sent without a token or a catalog.</summary>
    internal static bool NeedsAccess(OpenStackRequest request, Uri? absolute) =>
        request.Authenticate || absolute is null && request.Service?.EndpointOverride is null;

    /// <summary>keystoneauth's rule: a relative url is joined to the chosen endpoint with exactly one slash.
    /// <paramref name="origin"/> is the absolute url itself or the endpoint it was joined to: the same scheme, host and port,
    /// in a long-lived Uri whose parts are parsed already.</summary>
    /// <exception cref="OpenStackException">No endpoint (typed: <see cref="EndpointNotFoundException"/>, <see cref="InvalidRequestException"/>).</exception>
    internal static Uri ResolveUrl(OpenStackRequest request, Uri? absolute, ServiceCatalog? catalog, out Uri origin)
    {
        if (absolute is not null) return origin = absolute;
        Uri endpoint;
        if (request.Service?.EndpointOverride is { } overridden) endpoint = overridden;
        else if (catalog is null) throw new InvalidRequestException($"The relative url '{request.Url}' needs a token's catalog or an endpoint override");
        else if (request.Service is not null) endpoint = catalog.Resolve(request.Service);
        else endpoint = catalog.SingleEndpointUri
            ?? throw new InvalidRequestException($"The relative url '{request.Url}' needs a service filter to choose an endpoint");
        origin = endpoint;
        var joined = string.Concat(endpoint.AbsoluteUri.AsSpan().TrimEnd('/'), "/", request.Url.AsSpan().TrimStart('/'));
        return Uri.TryCreate(joined, UriKind.Absolute, out var result)
            ? result
            : throw new InvalidRequestException($"'{request.Url}' does not make a valid url with endpoint {Redaction.Url(endpoint)}");
    }

    /// <summary>The request's headers with <c>X-OpenStack-Request-ID</c>: the caller's <see cref="RequestOptions.GlobalRequestId"/>,
    /// else one derived from the request's trace (<see cref="ApiHeaders.GlobalRequestIdFor"/>). A header the caller set
    /// itself stays as it is.</summary>
    internal static IReadOnlyDictionary<string, string>? OutgoingHeaders(OpenStackRequest request, RequestOptions options)
    {
        var id = options.GlobalRequestId ?? (request.TraceParent is { } trace ? ApiHeaders.GlobalRequestIdFor(trace.TraceId) : null);
        return id is null ? request.Headers : WithDefaults(request.Headers, [new(ApiHeaders.GlobalRequestId, id)]);
    }

    /// <summary>The headers with the microversion headers the endpoint's negotiated microversion asks for; a microversion
    /// header the caller set itself wins.</summary>
    internal static IReadOnlyDictionary<string, string>? WithMicroversion(IReadOnlyDictionary<string, string>? headers, ServiceEndpoint endpoint) =>
        endpoint.Microversion is { } microversion ? WithDefaults(headers, ApiHeaders.MicroversionHeaders(endpoint.ServiceType, microversion)) : headers;

    /// <summary><paramref name="headers"/> plus those <paramref name="defaults"/> it does not set (names case-insensitive).</summary>
    internal static IReadOnlyDictionary<string, string> WithDefaults(IReadOnlyDictionary<string, string>? headers, IEnumerable<KeyValuePair<string, string>> defaults)
    {
        var merged = headers is null
            ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in defaults) merged.TryAdd(name, value);
        return merged;
    }

    /// <summary>The token goes to the cloud's own endpoints only, unless the caller or the settings allow otherwise.</summary>
    internal static bool MaySendToken(Uri? absolute, Uri url, AccessInfo access, RequestOptions options, SessionSettings settings) =>
        absolute is null || access.IsOwnEndpoint(url) || options.AllowTokenToForeignHost || settings.AllowTokenToForeignHosts;

    internal static bool IsIdempotent(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Put || method == HttpMethod.Delete || method == HttpMethod.Options;

    /// <summary>Whether a request that has had <paramref name="attempts"/> tries may have another.</summary>
    internal static bool MayRetry(OpenStackRequest request, RequestOptions options, int attempts, SessionSettings settings) =>
        (IsIdempotent(request.Method) || options.RetryNonIdempotent)
        && attempts < (options.MaxAttempts ?? settings.MaxAttempts)
        && request.Body is null or { Rewindable: true };

    internal static bool IsRetriableStatus(int status, RequestOptions options, SessionSettings settings) =>
        settings.RetriableStatuses.Contains(status) || options.ExtraRetriableStatuses?.Contains(status) == true;

    /// <summary>The longest backoff before try <paramref name="attempts"/> + 1 (exponential, capped); the session waits a random
    /// time up to it (full jitter).</summary>
    internal static TimeSpan BackoffCap(int attempts, SessionSettings settings) =>
        TimeSpan.FromMilliseconds(Math.Min(settings.MaxBackoff.TotalMilliseconds, settings.MinBackoff.TotalMilliseconds * Math.Pow(2, attempts - 1)));

    /// <summary>A full-jitter delay, never shorter than the server's Retry-After.</summary>
    internal static TimeSpan RetryDelay(int attempts, TimeSpan? retryAfter, SessionSettings settings, double random)
    {
        var delay = BackoffCap(attempts, settings) * random;
        return retryAfter is { } floor && floor > delay ? floor : delay;
    }

    /// <summary>Retry-After in seconds or as an HTTP date.</summary>
    internal static TimeSpan? RetryAfter(OpenStackResponse response, DateTimeOffset now)
    {
        if (response.Header("Retry-After") is not { } value) return null;
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return TimeSpan.FromSeconds(seconds);
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && at > now ? at - now : null;
    }
}
