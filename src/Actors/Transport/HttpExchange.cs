using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using OpenStack.Actors.Telemetry;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Transport;

/// <summary>One HTTP exchange, with redirects, timeout and typed failures. Shared by the transport and Keystone authenticators.</summary>
internal static class HttpExchange
{
    internal const string TokenHeader = "X-Auth-Token";

    /// <summary>Sends the request and returns the response (any status); throws only <see cref="OpenStackException"/>s.</summary>
    internal static Task<OpenStackResponse> SendAsync(
        HttpMessageInvoker client, HttpMethod method, Uri url, IReadOnlyDictionary<string, string>? headers, RequestBody? body,
        AuthToken? token, bool streamResponse, TimeSpan timeout, int maxRedirects, CancellationToken cancellationToken,
        ActivityContext parent = default) =>
        SendAsync(client, method, url, headers, body, token, streamResponse, timeout, maxRedirects, new TimeoutSources(cancellationToken, capacity: 0), parent);

    /// <summary>As above, with the timeout's cancellation source taken from (and given back to) <paramref name="timeouts"/>,
    /// whose stop token cancels the exchange, and streamed bodies both ways read at <paramref name="bandwidth"/>'s rate.</summary>
    internal static async Task<OpenStackResponse> SendAsync(
        HttpMessageInvoker client, HttpMethod method, Uri url, IReadOnlyDictionary<string, string>? headers, RequestBody? body,
        AuthToken? token, bool streamResponse, TimeSpan timeout, int maxRedirects, TimeoutSources timeouts,
        ActivityContext parent = default, ByteBucket? bandwidth = null)
    {
        var cancellationToken = timeouts.Stopping;
        var started = Stopwatch.GetTimestamp();
        using var activity = OpenStackTelemetry.ActivitySource.StartActivity(method.Method, ActivityKind.Client, parent);
        if (activity is not null)
        {
            activity.SetTag("http.request.method", method.Method);
            activity.SetTag("url.full", Redaction.Url(url));
            activity.SetTag("server.address", url.Host);
            activity.SetTag("server.port", url.Port);
        }
        OpenStackTelemetry.ActiveRequests.Add(1);
        if (body?.Length is { } sentBytes && OpenStackTelemetry.RequestBodySize.Enabled)
            OpenStackTelemetry.RequestBodySize.Record(sentBytes, OpenStackTelemetry.HttpTags(method, url, null, null));
        int? status = null;
        string? errorType = null;
        var cts = timeouts.Rent(timeout);
        var reusable = true;
        var origin = url;
        HttpResponseMessage? response = null;
        try
        {
            for (var redirects = 0; ; redirects++)
            {
                // The token only follows a redirect to the same origin: a redirect must not leak it elsewhere.
                var sendToken = token is not null && Origins.SameOrigin(origin, url) ? token : null;
                using var request = Build(method, url, headers, body, sendToken, bandwidth);
                // An HttpClient buffers the body unless told not to; a plain invoker (the transports' one) never does, and
                // skips HttpClient's own linked cancellation source per request.
                response = await (client is HttpClient http
                    ? http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token)
                    : client.SendAsync(request, cts.Token)).ConfigureAwait(false);
                var next = RedirectTarget(response, url);
                if (next is null || redirects >= maxRedirects) break;
                response.Dispose();
                response = null;
                // As browsers and keystoneauth do: 303, and 301/302 after a POST, continue as GET without the body.
                if (next.Value.Status == HttpStatusCode.SeeOther
                    || (next.Value.Status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found && method == HttpMethod.Post))
                {
                    method = method == HttpMethod.Head ? HttpMethod.Head : HttpMethod.Get;
                    body = null;
                }
                url = next.Value.Location;
            }

            status = (int)response.StatusCode;
            activity?.SetTag("http.response.status_code", status);
            if (status >= 400)
            {
                errorType = status.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                activity?.SetStatus(ActivityStatusCode.Error);
            }
            var responseHeaders = new ResponseHeaders(response.Headers, response.Content.Headers);
            if (streamResponse && method != HttpMethod.Head)
            {
                // The caller reads and disposes; the timeout covered the headers only.
                var stream = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false);
                reusable = false;   // the body is read later: no cancellation source is reset under it
                var owned = new ResponseStream(bandwidth is null ? stream : new ThrottledStream(stream, bandwidth), response);
                var status0 = response.StatusCode;
                response = null;
                return new OpenStackResponse
                {
                    Method = method, Url = url, Status = status0, Headers = responseHeaders, BodyStream = owned, Elapsed = Stopwatch.GetElapsedTime(started),
                };
            }
            var bytes = method == HttpMethod.Head ? [] : await response.Content.ReadAsByteArrayAsync(cts.Token).ConfigureAwait(false);
            if (OpenStackTelemetry.ResponseBodySize.Enabled)
                OpenStackTelemetry.ResponseBodySize.Record(bytes.Length, OpenStackTelemetry.HttpTags(method, url, status, errorType));
            return new OpenStackResponse
            {
                Method = method, Url = url, Status = response.StatusCode, Headers = responseHeaders, Body = bytes, Elapsed = Stopwatch.GetElapsedTime(started),
            };
        }
        catch (Exception e) when (Fault(activity, e, ref errorType))
        {
            throw; // not reached: Fault only records the failure
        }
        catch (Exception e) when (BodyFailure(e) is { } local)
        {
            // The body's source failed, not the connection: report it as such, so it is neither retried nor held against the server.
            throw new RequestBodyException($"{method} {Redaction.Url(url)}: the request body could not be read: {local.Message}", local);
        }
        catch (OperationCanceledException e) when (cts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(method, url, timeout, e);
        }
        catch (OperationCanceledException e)
        {
            throw new SessionStoppedException($"{method} {Redaction.Url(url)} was cancelled: {e.Message}");
        }
        catch (HttpRequestException e)
        {
            throw new ConnectionFailedException(SocketCause(e, url) is { } cause
                ? $"{cause} ({method} {Redaction.Url(url)})"
                : $"{method} {Redaction.Url(url)}: connection failed: {Describe(e)}", e);
        }
        catch (IOException e)
        {
            throw new ConnectionFailedException(SocketCause(e, url) is { } cause
                ? $"{cause} ({method} {Redaction.Url(url)})"
                : $"{method} {Redaction.Url(url)}: connection broke: {e.Message}", e);
        }
        finally
        {
            response?.Dispose();
            if (reusable) timeouts.Return(cts);
            else cts.Dispose();
            OpenStackTelemetry.ActiveRequests.Add(-1);
            if (OpenStackTelemetry.RequestDuration.Enabled)
                OpenStackTelemetry.RequestDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, OpenStackTelemetry.HttpTags(method, url, status, errorType));
        }
    }

    /// <summary>The failure of an attempt that got no response within <paramref name="timeout"/>; the url redacted.</summary>
    internal static RequestTimeoutException TimedOut(HttpMethod method, Uri url, TimeSpan timeout, Exception? inner = null) =>
        new($"{method} {Redaction.Url(url)} timed out after {timeout.TotalSeconds:0.###} s", timeout, inner);

    /// <summary>Records a failure on the activity and for the duration metric; returns false so the exception is handled by the next catch.</summary>
    private static bool Fault(Activity? activity, Exception e, ref string? errorType)
    {
        errorType = e is OperationCanceledException ? "timeout" : e.GetType().FullName;
        activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
        activity?.SetTag("error.type", errorType);
        return false;
    }

    private static Stream OpenBody(StreamBody body)
    {
        try
        {
            return body.Open();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BodySourceException(e);
        }
    }

    /// <summary>The body source's own error, if that is what <paramref name="e"/> comes from.</summary>
    private static Exception? BodyFailure(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is BodySourceException source) return source.InnerException;
        return null;
    }

    /// <summary>The cause in plain words when a socket error is behind <paramref name="e"/>: "connection refused by HOST:PORT".</summary>
    private static string? SocketCause(Exception e, Uri url)
    {
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is not System.Net.Sockets.SocketException socket) continue;
            var endpoint = $"{url.IdnHost}:{url.Port}";
            return socket.SocketErrorCode switch
            {
                System.Net.Sockets.SocketError.ConnectionRefused => $"connection refused by {endpoint}",
                System.Net.Sockets.SocketError.ConnectionReset => $"connection reset by {endpoint}",
                System.Net.Sockets.SocketError.ConnectionAborted or System.Net.Sockets.SocketError.Shutdown => $"connection to {endpoint} broke",
                System.Net.Sockets.SocketError.TimedOut => $"connecting to {endpoint} timed out",
                System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.NoData or System.Net.Sockets.SocketError.TryAgain =>
                    $"host {url.IdnHost} not found",
                System.Net.Sockets.SocketError.HostUnreachable or System.Net.Sockets.SocketError.NetworkUnreachable => $"{endpoint} is unreachable",
                _ => $"connection to {endpoint} failed: {socket.Message}",
            };
        }
        return null;
    }

    private static string Describe(HttpRequestException e)
    {
        var inner = e.InnerException?.Message;
        return inner is null || e.Message.Contains(inner, StringComparison.Ordinal) ? e.Message : $"{e.Message} ({inner})";
    }

    private static (HttpStatusCode Status, Uri Location)? RedirectTarget(HttpResponseMessage response, Uri current)
    {
        var status = response.StatusCode;
        if (status is not (HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect)) return null;
        var location = response.Headers.Location;
        if (location is null) return null;
        return (status, location.IsAbsoluteUri ? location : new Uri(current, location));
    }

    private static HttpRequestMessage Build(HttpMethod method, Uri url, IReadOnlyDictionary<string, string>? headers, RequestBody? body, AuthToken? token,
        ByteBucket? bandwidth)
    {
        var request = new HttpRequestMessage(method, url);
        HttpContent? content = body switch
        {
            null => null,
            BytesBody b => new ReadOnlyMemoryContent(b.Bytes),
            StreamBody s when bandwidth is not null => new StreamContent(new ThrottledStream(new BodySourceStream(OpenBody(s)), bandwidth)),
            StreamBody s => new StreamContent(new BodySourceStream(OpenBody(s))),
            _ => throw new InvalidRequestException($"Unsupported body type {body.GetType().Name}"),
        };
        if (content is not null)
        {
            if (body!.Length is { } length) content.Headers.ContentLength = length;
            if (body.ContentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(body.ContentType);
        }
        if (headers is not null)
        {
            foreach (var (name, value) in headers)
            {
                if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
                {
                    content ??= new ByteArrayContent([]);
                    content.Headers.Remove(name);
                    if (!content.Headers.TryAddWithoutValidation(name, value))
                        throw new InvalidRequestException($"Header '{name}' cannot be set on the body");
                }
                else if (!request.Headers.TryAddWithoutValidation(name, value))
                {
                    throw new InvalidRequestException($"Header '{name}' cannot be set on the request");
                }
            }
        }
        if (token is not null)
        {
            request.Headers.Remove(TokenHeader);
            request.Headers.TryAddWithoutValidation(TokenHeader, token.Value);
        }
        // Per request, not as an HttpClient default: the transports send through a plain HttpMessageInvoker. A caller's own wins.
        if (headers is null || !request.Headers.Contains("User-Agent")) request.Headers.TryAddWithoutValidation("User-Agent", TransportSettings.UserAgent);
        request.Content = content;
        return request;
    }

    /// <summary>Marks an error of the body's source (opening or reading it) so it is not mistaken for a broken connection.</summary>
    private sealed class BodySourceException(Exception inner) : IOException(inner.Message, inner);

    /// <summary>The request body as sent: errors of the source stream come out as <see cref="BodySourceException"/>.</summary>
    private sealed class BodySourceStream(Stream inner) : ReadOnlyWrapperStream(inner)
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return Inner.Read(buffer, offset, count);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new BodySourceException(e);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new BodySourceException(e);
            }
        }
    }

    /// <summary>The response body stream that also disposes the response message.</summary>
    private sealed class ResponseStream(Stream inner, HttpResponseMessage owner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => owner.Content.Headers.ContentLength ?? throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                owner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
