using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OpenStack.Actors.Tests.Faults;

/// <summary>A request as the proxy saw it arrive (head only; the body is still on the wire).</summary>
public sealed record ProxyRequest(long Seq, int Connection, string Method, string Target, IReadOnlyDictionary<string, string> Headers, TimeSpan ArrivedAt)
{
    /// <summary>The target without its query, still percent-encoded.</summary>
    public string Path => Target.IndexOf('?') is var q and >= 0 ? Target[..q] : Target;

    /// <summary>The last segment of <see cref="Path"/>, decoded (an object's file name).</summary>
    public string LastSegment => Uri.UnescapeDataString(Path[(Path.LastIndexOf('/') + 1)..]);

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    public override string ToString() => $"#{Seq} {Method} {Target}";
}

/// <summary>What the proxy does with one request.</summary>
public abstract record FaultAction
{
    private FaultAction() { }

    /// <summary>Forward to the target; optionally cut a body midway (RST both sides), throttle, or rewrite the response body.</summary>
    public sealed record Forward : FaultAction
    {
        public long? CutRequestBodyAfter { get; init; }
        public long? CutResponseBodyAfter { get; init; }
        public long? BytesPerSecond { get; init; }
        public Func<byte[], byte[]>? RewriteResponseBody { get; init; }
        /// <summary>Sends the request to another target (path and query) than the client asked for.</summary>
        public Func<string, string>? RewriteTarget { get; init; }
    }

    /// <summary>Answer without asking the target (the request body is read and dropped, the connection stays usable).</summary>
    public sealed record Respond(int Status, string Body = "", string ContentType = "text/plain; charset=utf-8", int? RetryAfterSeconds = null) : FaultAction;

    /// <summary>Reset the connection (RST) as soon as the request head has arrived.</summary>
    public sealed record Reset : FaultAction;

    /// <summary>Hold the request unanswered until the proxy releases its stalls or is disposed, then reset.</summary>
    public sealed record Stall : FaultAction;

    public static FaultAction Pass { get; } = new Forward();
    public static FaultAction Rst { get; } = new Reset();
    public static FaultAction Hold { get; } = new Stall();
    public static FaultAction Answer(int status, int? retryAfterSeconds = null, string body = "") => new Respond(status, body, RetryAfterSeconds: retryAfterSeconds);
}

/// <summary>How one request ended.</summary>
public enum ProxyOutcome { Forwarded, Responded, Reset, RequestCut, ResponseCut, Stalled, Broken }

/// <summary>One request's record: when it came and went, how many were in flight, what the proxy did.</summary>
public sealed record ProxyExchange(ProxyRequest Request, FaultAction Action, ProxyOutcome Outcome, int? Status, int InFlightAtArrival,
    TimeSpan CompletedAt, long RequestBodyBytes)
{
    public long Seq => Request.Seq;
    public string Method => Request.Method;
    public string Path => Request.Path;
    public TimeSpan ArrivedAt => Request.ArrivedAt;
}

/// <summary>
/// A fault-injecting HTTP/1.1 proxy for tests, on 127.0.0.1 only. Each client connection gets its own upstream
/// connection; requests are parsed one by one (Content-Length or chunked bodies, keep-alive), so a rule decides per
/// request: pass, answer itself (503/429 with Retry-After, an HTML 500...), reset, stall, cut a body midway, throttle,
/// rewrite a response body. <see cref="Kill"/> and <see cref="Restart"/> play a crashed and restarted server. Every
/// request is recorded (<see cref="Exchanges"/>) with arrival/completion times and the requests in flight at arrival.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private const int MaxHead = 64 * 1024;
    private readonly IPEndPoint _target;
    private readonly long _origin = Stopwatch.GetTimestamp();
    private readonly CancellationTokenSource _disposed = new();
    private readonly ConcurrentDictionary<int, Socket> _sockets = new();
    private readonly ConcurrentQueue<ProxyExchange> _exchanges = new();
    private readonly ConcurrentQueue<ProxyRequest> _arrivals = new();
    private readonly object _listenLock = new();
    private CancellationTokenSource _stalls = new();
    private TcpListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private long _seq;
    private int _nextSocket;
    private int _inFlight;
    private int _maxInFlight;
    private int _connections;
    private volatile Func<ProxyRequest, FaultAction> _rule;

    /// <summary>Starts a proxy in front of <paramref name="target"/> (a loopback http url).</summary>
    public FaultProxy(Uri target, Func<ProxyRequest, FaultAction>? rule = null)
    {
        if (!IPAddress.TryParse(target.Host, out var address) || !IPAddress.IsLoopback(address))
            throw new ArgumentException("The fault proxy only forwards to loopback addresses", nameof(target));
        _target = new IPEndPoint(address, target.Port);
        _rule = rule ?? (_ => FaultAction.Pass);
        Listen(0);
        Url = new Uri($"http://127.0.0.1:{Port}/");
    }

    /// <summary>The proxy's base url, ending in <c>/</c>.</summary>
    public Uri Url { get; }

    public int Port { get; private set; }

    /// <summary>Decides per request; called concurrently from connection tasks (keep rules thread-safe).</summary>
    public Func<ProxyRequest, FaultAction> Rule
    {
        get => _rule;
        set => _rule = value;
    }

    /// <summary>Called after every request has ended, from the connection's task.</summary>
    public event Action<ProxyExchange>? Completed;

    /// <summary>Requests that have ended, in the order they ended.</summary>
    public IReadOnlyList<ProxyExchange> Exchanges => _exchanges.ToArray();

    /// <summary>Every request that arrived, ended or not (a stalled one is here, not in <see cref="Exchanges"/>).</summary>
    public IReadOnlyList<ProxyRequest> Arrivals => _arrivals.ToArray();
    public int InFlight => Volatile.Read(ref _inFlight);
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);
    public int ConnectionsAccepted => Volatile.Read(ref _connections);
    public long Requests => Interlocked.Read(ref _seq);

    public TimeSpan Now => Stopwatch.GetElapsedTime(_origin);

    /// <summary>Counts ended requests of one outcome (optionally with one status).</summary>
    public int Count(ProxyOutcome outcome, int? status = null) =>
        _exchanges.Count(e => e.Outcome == outcome && (status is null || e.Status == status));

    /// <summary>A dead server: the listener closes (new connections are refused) and every open connection is reset.</summary>
    public void Kill()
    {
        lock (_listenLock)
        {
            _listener?.Stop();
            _listener = null;
        }
        foreach (var id in _sockets.Keys)
            if (_sockets.TryRemove(id, out var s)) Abort(s);
    }

    /// <summary>The server is back, on the same port.</summary>
    public void Restart() => Listen(Port);

    /// <summary>Ends every stalled request (each with a reset).</summary>
    public void ReleaseStalls()
    {
        var old = Interlocked.Exchange(ref _stalls, new CancellationTokenSource());
        old.Cancel();
        old.Dispose();
    }

    private void Listen(int port)
    {
        lock (_listenLock)
        {
            if (_listener is not null) return;
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start(512);
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            _listener = listener;
            _acceptLoop = AcceptLoopAsync(listener);
        }
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (!_disposed.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(_disposed.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                return;   // killed or disposed
            }
            Interlocked.Increment(ref _connections);
            client.NoDelay = true;
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private int Track(Socket s)
    {
        var id = Interlocked.Increment(ref _nextSocket);
        _sockets[id] = s;
        return id;
    }

    private static void Abort(Socket s)
    {
        try
        {
            s.LingerState = new LingerOption(true, 0);   // close sends RST, not FIN
            s.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private void Forget(int id, Socket s, bool reset)
    {
        _sockets.TryRemove(id, out _);
        if (reset) Abort(s);
        else s.Dispose();
    }

    private async Task ServeAsync(Socket client)
    {
        var clientId = Track(client);
        var clientStream = new NetworkStream(client, ownsSocket: false);
        var fromClient = new HttpReader(clientStream);
        Upstream? upstream = null;
        var reset = false;
        try
        {
            while (true)
            {
                var head = await fromClient.ReadHeadAsync(_disposed.Token);
                if (head is null) return;   // the client closed its keep-alive connection
                var (method, target, headers) = ParseRequest(head);
                var request = new ProxyRequest(Interlocked.Increment(ref _seq), clientId, method, target, headers, Now);
                _arrivals.Enqueue(request);
                var inFlight = Interlocked.Increment(ref _inFlight);
                UpdateMax(inFlight);
                var action = FaultAction.Pass;
                var outcome = ProxyOutcome.Broken;
                int? status = null;
                long bodyBytes = 0;
                try
                {
                    action = _rule(request);
                    var framing = BodyFraming.OfRequest(headers);
                    switch (action)
                    {
                        case FaultAction.Reset:
                            outcome = ProxyOutcome.Reset;
                            reset = true;
                            return;
                        case FaultAction.Stall:
                            outcome = ProxyOutcome.Stalled;
                            using (var stall = CancellationTokenSource.CreateLinkedTokenSource(_stalls.Token, _disposed.Token))
                            {
                                try
                                {
                                    await Task.Delay(Timeout.Infinite, stall.Token);
                                }
                                catch (OperationCanceledException)
                                {
                                }
                            }
                            reset = true;
                            return;
                        case FaultAction.Respond r:
                            (bodyBytes, _) = await fromClient.CopyBodyAsync(framing, Stream.Null, null, null, _disposed.Token);
                            await WriteResponseAsync(clientStream, r, method == "HEAD");
                            status = r.Status;
                            outcome = ProxyOutcome.Responded;
                            if (WantsClose(headers)) return;
                            continue;
                        case FaultAction.Forward f:
                            upstream = await ConnectIfNeededAsync(upstream);
                            await upstream.Stream.WriteAsync(f.RewriteTarget is { } rewriteTarget ? WithTarget(head, target, rewriteTarget(target)) : head, _disposed.Token);
                            (bodyBytes, var requestCut) = await fromClient.CopyBodyAsync(framing, upstream.Stream, f.CutRequestBodyAfter, f.BytesPerSecond, _disposed.Token);
                            if (requestCut)
                            {
                                outcome = ProxyOutcome.RequestCut;
                                reset = true;
                                return;
                            }
                            var (responseStatus, keepAlive, cutResponse) = await RelayResponseAsync(upstream, clientStream, method, f);
                            status = responseStatus;
                            upstream.LastUsed = Now;
                            if (cutResponse)
                            {
                                outcome = ProxyOutcome.ResponseCut;
                                reset = true;
                                return;
                            }
                            outcome = ProxyOutcome.Forwarded;
                            if (!keepAlive || WantsClose(headers)) return;
                            continue;
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                    var exchange = new ProxyExchange(request, action, outcome, status, inFlight, Now, bodyBytes);
                    _exchanges.Enqueue(exchange);
                    Completed?.Invoke(exchange);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidDataException)
        {
            reset = true;   // a broken client or upstream: end both abruptly, as a crashed proxy would
        }
        finally
        {
            clientStream.Dispose();
            Forget(clientId, client, reset);
            if (upstream is not null) Forget(upstream.Id, upstream.Socket, reset);
        }
    }

    private void UpdateMax(int value)
    {
        int max;
        while (value > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, value, max) != max)
        {
        }
    }

    private sealed class Upstream(int id, Socket socket, NetworkStream stream)
    {
        public int Id { get; } = id;
        public Socket Socket { get; } = socket;
        public NetworkStream Stream { get; } = stream;
        public HttpReader Reader { get; } = new(stream);
        public TimeSpan LastUsed { get; set; }
    }

    private async Task<Upstream> ConnectIfNeededAsync(Upstream? current)
    {
        // An upstream connection idle for a while may be closed by the server just as we reuse it: take a fresh one.
        if (current is not null && Now - current.LastUsed < TimeSpan.FromSeconds(5)) return current;
        if (current is not null) Forget(current.Id, current.Socket, reset: false);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var id = Track(socket);
        await socket.ConnectAsync(_target, _disposed.Token);
        return new Upstream(id, socket, new NetworkStream(socket, ownsSocket: false)) { LastUsed = Now };
    }

    /// <summary>Relays the response (interim 1xx first); returns its status, whether the connection may be reused, and whether it was cut.</summary>
    private async Task<(int Status, bool KeepAlive, bool Cut)> RelayResponseAsync(Upstream upstream, NetworkStream client, string method, FaultAction.Forward f)
    {
        while (true)
        {
            var head = await upstream.Reader.ReadHeadAsync(_disposed.Token) ?? throw new IOException("the target closed the connection before answering");
            var (status, headers) = ParseResponse(head);
            if (status is >= 100 and < 200 && status != 101)
            {
                await client.WriteAsync(head, _disposed.Token);
                continue;
            }
            var framing = BodyFraming.OfResponse(headers, status, method == "HEAD");
            var keepAlive = framing.Kind != BodyKind.UntilClose && !WantsClose(headers);
            if (f.RewriteResponseBody is { } rewrite)
            {
                var buffer = new MemoryStream();
                await upstream.Reader.CopyBodyAsync(framing, buffer, null, null, _disposed.Token, decodeChunks: true);
                var body = rewrite(buffer.ToArray());
                var rewritten = new StringBuilder();
                var firstLine = Encoding.Latin1.GetString(head).Split("\r\n")[0];
                rewritten.Append(firstLine).Append("\r\n");
                foreach (var (name, value) in headers)
                    if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && !name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                        rewritten.Append(name).Append(": ").Append(value).Append("\r\n");
                rewritten.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
                await client.WriteAsync(Encoding.Latin1.GetBytes(rewritten.ToString()), _disposed.Token);
                await client.WriteAsync(body, _disposed.Token);
                return (status, keepAlive, false);
            }
            await client.WriteAsync(head, _disposed.Token);
            var (_, cut) = await upstream.Reader.CopyBodyAsync(framing, client, f.CutResponseBodyAfter, f.BytesPerSecond, _disposed.Token);
            return (status, keepAlive, cut);
        }
    }

    private static async Task WriteResponseAsync(Stream client, FaultAction.Respond r, bool head)
    {
        var body = Encoding.UTF8.GetBytes(r.Body);
        var sb = new StringBuilder();
        sb.Append("HTTP/1.1 ").Append(r.Status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Reason(r.Status)).Append("\r\n");
        sb.Append("Content-Type: ").Append(r.ContentType).Append("\r\n");
        sb.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        if (r.RetryAfterSeconds is { } after) sb.Append("Retry-After: ").Append(after.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        sb.Append("X-Trans-Id: tx-fault-proxy\r\n\r\n");
        await client.WriteAsync(Encoding.Latin1.GetBytes(sb.ToString()));
        if (!head) await client.WriteAsync(body);
    }

    private static string Reason(int status) => status switch
    {
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => ((HttpStatusCode)status).ToString(),
    };

    private static bool WantsClose(IReadOnlyDictionary<string, string> headers) =>
        headers.TryGetValue("Connection", out var c) && c.Contains("close", StringComparison.OrdinalIgnoreCase);

    /// <summary>The request head with another target in its request line.</summary>
    private static byte[] WithTarget(byte[] head, string target, string newTarget)
    {
        var text = Encoding.Latin1.GetString(head);
        var lineEnd = text.IndexOf("\r\n", StringComparison.Ordinal);
        var requestLine = text[..lineEnd].Replace(" " + target + " ", " " + newTarget + " ", StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(requestLine + text[lineEnd..]);
    }

    private static (string Method, string Target, IReadOnlyDictionary<string, string> Headers) ParseRequest(byte[] head)
    {
        var lines = Encoding.Latin1.GetString(head).Split("\r\n");
        var parts = lines[0].Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal)) throw new InvalidDataException($"not an HTTP/1.x request line: {lines[0]}");
        return (parts[0], parts[1], ParseHeaders(lines));
    }

    private static (int Status, IReadOnlyDictionary<string, string> Headers) ParseResponse(byte[] head)
    {
        var lines = Encoding.Latin1.GetString(head).Split("\r\n");
        var parts = lines[0].Split(' ', 3);
        if (parts.Length < 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
            throw new InvalidDataException($"not an HTTP/1.x status line: {lines[0]}");
        return (status, ParseHeaders(lines));
    }

    private static Dictionary<string, string> ParseHeaders(string[] lines)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            if (line.Length == 0) break;
            var colon = line.IndexOf(':');
            if (colon <= 0) throw new InvalidDataException($"malformed header line: {line}");
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var prior) ? prior + ", " + value : value;
        }
        return headers;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested) return;
        _disposed.Cancel();
        Kill();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
        _stalls.Dispose();
        _disposed.Dispose();
    }

    // ------------------------------------------------------------------ HTTP/1.1 framing

    private enum BodyKind { None, Length, Chunked, UntilClose }

    private readonly record struct BodyFraming(BodyKind Kind, long Length)
    {
        public static BodyFraming OfRequest(IReadOnlyDictionary<string, string> h) =>
            IsChunked(h) ? new(BodyKind.Chunked, 0)
            : ContentLength(h) is { } n ? new(n == 0 ? BodyKind.None : BodyKind.Length, n)
            : new(BodyKind.None, 0);

        public static BodyFraming OfResponse(IReadOnlyDictionary<string, string> h, int status, bool headRequest) =>
            headRequest || status is 204 or 304 ? new(BodyKind.None, 0)
            : IsChunked(h) ? new(BodyKind.Chunked, 0)
            : ContentLength(h) is { } n ? new(n == 0 ? BodyKind.None : BodyKind.Length, n)
            : new(BodyKind.UntilClose, 0);

        private static bool IsChunked(IReadOnlyDictionary<string, string> h) =>
            h.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase);

        private static long? ContentLength(IReadOnlyDictionary<string, string> h) =>
            h.TryGetValue("Content-Length", out var v) ? long.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Buffered reads of HTTP heads and bodies from one connection.</summary>
    private sealed class HttpReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[MaxHead];
        private int _start, _end;

        private async Task<bool> FillAsync(CancellationToken ct)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) throw new InvalidDataException("HTTP head too large");
            var n = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
            _end += n;
            return n > 0;
        }

        /// <summary>The head up to and including the blank line; null when the peer closed between messages.</summary>
        public async Task<byte[]?> ReadHeadAsync(CancellationToken ct)
        {
            while (true)
            {
                var span = _buffer.AsSpan(_start, _end - _start);
                var at = span.IndexOf("\r\n\r\n"u8);
                if (at >= 0)
                {
                    var head = span[..(at + 4)].ToArray();
                    _start += at + 4;
                    return head;
                }
                if (await FillAsync(ct)) continue;
                if (_end == _start) return null;
                throw new IOException("connection closed inside an HTTP head");
            }
        }

        private async Task<byte[]> ReadLineAsync(CancellationToken ct)
        {
            while (true)
            {
                var span = _buffer.AsSpan(_start, _end - _start);
                var at = span.IndexOf("\r\n"u8);
                if (at >= 0)
                {
                    var line = span[..(at + 2)].ToArray();
                    _start += at + 2;
                    return line;
                }
                if (!await FillAsync(ct)) throw new IOException("connection closed inside a chunk header");
            }
        }

        /// <summary>Copies up to <paramref name="count"/> bytes (-1: to the end of the stream); returns the bytes copied.</summary>
        private async Task<long> CopyRawAsync(long count, Stream to, Limiter limiter, CancellationToken ct)
        {
            long copied = 0;
            while (count < 0 || copied < count)
            {
                if (_start == _end)
                {
                    _start = _end = 0;
                    var n = await stream.ReadAsync(_buffer.AsMemory(0, (int)Math.Min(_buffer.Length, count < 0 ? _buffer.Length : count - copied)), ct);
                    if (n == 0)
                    {
                        if (count < 0) return copied;
                        throw new IOException("connection closed inside a body");
                    }
                    _end = n;
                }
                var take = (int)Math.Min(_end - _start, count < 0 ? _end - _start : count - copied);
                take = limiter.Allow(take);
                if (take == 0) return copied;   // the cut point
                await to.WriteAsync(_buffer.AsMemory(_start, take), ct);
                _start += take;
                copied += take;
                await limiter.PaceAsync(take, ct);
            }
            return copied;
        }

        /// <summary>Copies a message body; with a cut, stops after that many body bytes. Returns the body bytes copied and whether it was cut.</summary>
        public async Task<(long Bytes, bool Cut)> CopyBodyAsync(BodyFraming framing, Stream to, long? cutAfter, long? bytesPerSecond, CancellationToken ct,
            bool decodeChunks = false)
        {
            var limiter = new Limiter(cutAfter, bytesPerSecond);
            var bytes = await CopyFramedAsync(framing, to, limiter, decodeChunks, ct);
            return (bytes, limiter.Cut);
        }

        private async Task<long> CopyFramedAsync(BodyFraming framing, Stream to, Limiter limiter, bool decodeChunks, CancellationToken ct)
        {
            switch (framing.Kind)
            {
                case BodyKind.None: return 0;
                case BodyKind.Length: return await CopyRawAsync(framing.Length, to, limiter, ct);
                case BodyKind.UntilClose: return await CopyRawAsync(-1, to, limiter, ct);
            }
            long total = 0;
            while (true)
            {
                var line = await ReadLineAsync(ct);
                var text = Encoding.ASCII.GetString(line).TrimEnd();
                var semi = text.IndexOf(';');
                var size = long.Parse(semi < 0 ? text : text[..semi], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (!decodeChunks) await to.WriteAsync(line, ct);
                if (size == 0)
                {
                    while (true)   // trailers, then the blank line
                    {
                        var trailer = await ReadLineAsync(ct);
                        if (!decodeChunks) await to.WriteAsync(trailer, ct);
                        if (trailer.Length == 2) return total;
                    }
                }
                var copied = await CopyRawAsync(size, to, limiter, ct);
                total += copied;
                if (copied < size) return total;   // cut
                var crlf = await ReadLineAsync(ct);
                if (!decodeChunks) await to.WriteAsync(crlf, ct);
            }
        }
    }

    /// <summary>Where a body is cut, and how fast it may flow.</summary>
    private sealed class Limiter(long? cutAfter, long? bytesPerSecond)
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _allowed = cutAfter ?? long.MaxValue;
        private long _sent;

        /// <summary>True once the body was stopped at the cut point with bytes still to come.</summary>
        public bool Cut { get; private set; }

        public int Allow(int wanted)
        {
            var n = (int)Math.Min(wanted, _allowed);
            if (n == 0 && wanted > 0) Cut = true;
            if (bytesPerSecond is { } bps) n = (int)Math.Min(n, Math.Max(1024, bps / 20));   // small slices, so pacing is smooth
            _allowed -= n;
            return n;
        }

        public async Task PaceAsync(int sent, CancellationToken ct)
        {
            _sent += sent;
            if (bytesPerSecond is not { } bps) return;
            var due = TimeSpan.FromSeconds((double)_sent / bps) - Stopwatch.GetElapsedTime(_started);
            if (due > TimeSpan.Zero) await Task.Delay(due, ct);
        }
    }
}
