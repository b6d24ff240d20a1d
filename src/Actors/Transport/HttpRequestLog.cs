using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Event;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Transport;

/// <summary>
/// The HTTP debug log: one line per request on the wire (every attempt, retry, redirect and token request) with its method,
/// redacted url, status or error, time taken, the server's request id and the global request id the client sent
/// (<c>X-OpenStack-Request-ID</c>, which the service logs too), at Debug level under this class's name as the log
/// source. It never shows headers or bodies, so no token or secret. The session adds it only when Debug is on for its
/// actor system as it starts: with Debug off, requests take no extra step.
/// </summary>
public static class HttpRequestLog
{
    /// <summary>How the log events' <c>LogSource</c> begins (Akka adds the system's address): filter on it to keep or drop
    /// the HTTP lines, e.g. in a Microsoft.Extensions.Logging provider that reads the event's <c>LogSource</c> field.</summary>
    public const string SourceName = nameof(HttpRequestLog);

    /// <summary>The handler a session sends through: <paramref name="inner"/> itself while Debug is off, else a logging wrapper.</summary>
    internal static HttpMessageHandler Wrap(HttpMessageHandler inner, ActorSystem system)
    {
        var log = Logging.GetLogger(system, typeof(HttpRequestLog));
        return log.IsDebugEnabled ? new Handler(inner, log) : inner;
    }

    /// <summary>The line for a request that got a response.</summary>
    internal static string Line(HttpMethod method, Uri url, int status, TimeSpan elapsed, string? requestId, string? globalRequestId = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{method.Method} {Redaction.Url(url)} {status} in {Milliseconds(elapsed)} ms") +
        (requestId is null ? "" : " request-id " + Redaction.Printable(requestId)) +
        (globalRequestId is null ? "" : " global-request-id " + Redaction.Printable(globalRequestId));

    /// <summary>The line for a request that got none.</summary>
    internal static string Line(HttpMethod method, Uri url, Exception error, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"{method.Method} {Redaction.Url(url)} failed after {Milliseconds(elapsed)} ms: ") + error switch
        {
            OperationCanceledException => "cancelled (timeout or stop)",
            _ => Redaction.Printable($"{error.GetType().Name}: {(error.InnerException ?? error).Message}"),
        };

    private static string? GlobalRequestIdOf(HttpRequestMessage request) =>
        request.Headers.NonValidated.TryGetValues(ApiHeaders.GlobalRequestId, out var values) ? values.ToString() : null;

    private static long Milliseconds(TimeSpan t) => (long)Math.Round(t.TotalMilliseconds);

    private sealed class Handler(HttpMessageHandler inner, ILoggingAdapter log) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                var headers = new ResponseHeaders(response.Headers, response.Content.Headers);
                log.Debug("{0}", Line(request.Method, request.RequestUri!, (int)response.StatusCode, Stopwatch.GetElapsedTime(started),
                    OpenStackResponse.RequestIdIn(headers), GlobalRequestIdOf(request)));
                return response;
            }
            catch (Exception e)
            {
                log.Debug("{0}", Line(request.Method, request.RequestUri!, e, Stopwatch.GetElapsedTime(started)));
                throw;
            }
        }

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new NotSupportedException("The session sends asynchronously only");
    }
}
