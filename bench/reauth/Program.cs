// Reauthentication cost: revoke the session's token server-side while many requests are in flight and count the
// Keystone token requests that follow. The session promises exactly one per revocation (N concurrent 401s, one
// reauthentication). Run through bench/reauth/run.sh, which starts the local cloud with Swift's token cache off
// (token_cache_time = -1), so that Swift rejects a revoked token at once.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Reauth;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"reauth-bench: {e.Message}");
    Console.Error.WriteLine(Options.Usage);
    return 2;
}
if (options.Help)
{
    Console.WriteLine(Options.Usage);
    return 0;
}

var cloud = CloudConfig.Load(options.Cloud);
using var system = ActorSystem.Create("reauth-bench", ConfigurationFactory.ParseString("""
    akka.loglevel = ERROR
    akka.log-dead-letters = off
    akka.log-dead-letters-during-shutdown = off
    """));
var settings = cloud.ApplyTo(SessionSettings.Create(system));
var handler = new CountingHandler(OpenStack.Actors.Transport.HttpHandlerFactory.Create(settings.Transport, system.Log));
var session = new OpenStackSession(system.ActorOf(SessionActor.Props(cloud.CreateAuthenticator(), settings, handler), "session"), settings);
var store = cloud.Filter("object-store");
using var keystone = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };

var container = $"reauth-bench-{DateTime.UtcNow:yyyyMMddHHmmss}-{Environment.ProcessId}";
var payload = RandomNumberGenerator.GetBytes(options.ObjectSize);
var results = new List<RoundResult>();
var exit = 0;
Log($"cloud {cloud}; {options.Requests} concurrent {options.Op.ToUpperInvariant()}s per round, {options.Revocations} revocations, " +
    (options.Gate ? $"revoked after {options.PassFirst} responses with the other requests held at a gate" : $"revoked after {options.PassFirst} responses, no gate"));
try
{
    using (await session.PutAsync($"/{container}", null, store)) { }
    // Warm-up round (no revocation, always PUTs): connections, JIT, and the objects in place for --op head.
    var warm = await RunRoundAsync(revoke: false, op: "put");
    Log($"warm-up: {warm.Ok}/{options.Requests} ok in {warm.AllDoneMs:N0} ms, {warm.TokenRequests} token requests");
    if (warm.Failed > 0) throw new InvalidOperationException($"warm-up: {warm.Failed} requests failed: {warm.FirstError}");

    for (var k = 1; k <= options.Revocations; k++)
    {
        var r = await RunRoundAsync(revoke: true, op: options.Op) with { Index = k };
        results.Add(r);
        Log($"revocation {k}: {r.TokenRequests} Keystone token requests, {r.Reauthentications} reauthentications, {r.Unauthorized} x 401, " +
            $"{r.Ok}/{options.Requests} ok, new token after {(r.TokenAfterMs is { } t ? $"{t:N0} ms" : "-")}, all done {r.AllDoneMs:N0} ms after the revocation -> {r.Verdict}");
        if (!r.Passed) exit = 1;
        if (r.Unauthorized == 0)
        {
            // The revocation came after the last request (possible without the gate): the session still holds the revoked
            // token. One request lets it find out, so that the next round starts from a valid token.
            try
            {
                using (await session.HeadAsync($"/{container}", store)) { }
            }
            catch (Exception e)
            {
                Log($"recovery request failed: {e.Message}");
            }
        }
    }
}
catch (Exception e)
{
    Log($"FAILED: {e.GetType().Name}: {e.Message}");
    exit = 1;
}
finally
{
    await CleanupAsync();
}

var report = Report(results, exit);
Console.WriteLine(report);
if (options.ReportFile is { } file) await File.WriteAllTextAsync(file, report);
Log(exit == 0 ? "PASS: exactly one Keystone token request per revocation" : "FAIL: see the table");
await system.Terminate();
return exit;

async Task<RoundResult> RunRoundAsync(bool revoke, string op)
{
    var access = await session.GetAccessAsync();
    var stats0 = await session.GetStatsAsync();
    var tokens0 = handler.TokenRequests;
    var round = new Round(access.Token.Value, revoke ? options.PassFirst : int.MaxValue, revoke && options.Gate);
    handler.Round = round;
    var tasks = Enumerable.Range(0, options.Requests).Select(i => SendAsync(i, op)).ToArray();
    var all = Task.WhenAll(tasks);
    double revokeMs = 0;
    try
    {
        revokeMs = await RevokeAsync();
    }
    catch
    {
        // Let the round's requests finish before anything else (the cleanup's deletes must not race them).
        round.Open();
        handler.Round = null;
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromMinutes(5)));
        throw;
    }
    round.Open();
    await all.WaitAsync(TimeSpan.FromMinutes(5));
    var doneMs = round.SinceRevoked();
    await Task.Delay(options.SettleMs);   // a late token request (a second reauthentication) would show up here
    handler.Round = null;
    var stats1 = await session.GetStatsAsync();
    var outcomes = tasks.Select(t => t.Result).ToArray();
    return new RoundResult(
        Index: 0,
        Requests: options.Requests,
        Ok: outcomes.Count(o => o.Error is null),
        Failed: outcomes.Count(o => o.Error is not null),
        FirstError: outcomes.FirstOrDefault(o => o.Error is not null).Error,
        InFlightAtRevocation: round.InFlightAtRevocation,
        HeldAtRevocation: round.HeldAtRevocation,
        Unauthorized: round.Unauthorized,
        TokenRequests: handler.TokenRequests - tokens0,
        Reauthentications: stats1.Reauthentications - stats0.Reauthentications,
        RevokeMs: revokeMs,
        TokenAfterMs: round.TokenResponseMs,
        FirstNewTokenOkMs: round.FirstNewTokenOkMs,
        AllDoneMs: doneMs);

    async Task<double> RevokeAsync()
    {
        if (!revoke)
        {
            round.MarkRevoked();   // t0 of a warm-up round: its start
            return 0;
        }
        // Wait until the first responses are back and (with the gate) the rest are held in flight, then revoke.
        await Task.WhenAny(Task.WhenAll(round.FirstResponses.Task, WaitHeldAsync(round)), all, Task.Delay(TimeSpan.FromSeconds(60)));
        round.HeldAtRevocation = round.Held;
        round.InFlightAtRevocation = options.Requests - round.CompletedCount;
        var watch = Stopwatch.StartNew();
        using (var request = new HttpRequestMessage(HttpMethod.Delete, TokensUrl(access.AuthUrl)))
        {
            request.Headers.Add("X-Auth-Token", access.Token.Value);
            request.Headers.Add("X-Subject-Token", access.Token.Value);
            using var response = await keystone.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.NoContent)
                throw new InvalidOperationException($"revocation: DELETE /v3/auth/tokens answered {(int)response.StatusCode}");
        }
        round.MarkRevoked();
        return watch.Elapsed.TotalMilliseconds;
    }
}

// With the gate: until every request beyond the first ones is held, or their number has not grown for half a second
// (should the session keep some back itself).
async Task WaitHeldAsync(Round round)
{
    var all = round.AllHeldOrDone(options.Requests);
    var last = -1;
    while (!all.IsCompleted)
    {
        var held = round.Held;
        if (held == last && held > 0) return;
        last = held;
        await Task.WhenAny(all, Task.Delay(500));
    }
}

async Task<Outcome> SendAsync(int i, string op)
{
    try
    {
        using var response = op == "head"
            ? await session.HeadAsync($"/{container}/o{i:D4}", store)
            : await session.PutAsync($"/{container}/o{i:D4}", RequestBody.FromBytes(payload, "application/octet-stream"), store);
        return new Outcome(response.IsSuccess ? null : $"{(int)response.Status} {response.Status}");
    }
    catch (Exception e)
    {
        return new Outcome($"{e.GetType().Name}: {e.Message}");
    }
}

Uri TokensUrl(Uri? authUrl)
{
    var baseUrl = (authUrl ?? new Uri(cloud.Auth["auth_url"])).ToString().TrimEnd('/');
    if (!baseUrl.EndsWith("/v3", StringComparison.Ordinal)) baseUrl += "/v3";
    return new Uri(baseUrl + "/auth/tokens");
}

async Task CleanupAsync()
{
    try
    {
        var failures = new ConcurrentBag<string>();
        var deletes = Enumerable.Range(0, options.Requests).Select(async i =>
        {
            try
            {
                using var _ = await session.DeleteAsync($"/{container}/o{i:D4}", store);
            }
            catch (HttpErrorException e) when (e.Status == HttpStatusCode.NotFound)
            {
            }
            catch (Exception e)
            {
                failures.Add($"o{i:D4}: {e.GetType().Name}: {e.Message}");
            }
        });
        await Task.WhenAll(deletes).WaitAsync(TimeSpan.FromMinutes(3));
        if (!failures.IsEmpty) Log($"cleanup: {failures.Count} object deletes failed, e.g. {failures.First()}");
        // The container's listing may lag behind the deletes (409 Conflict) on a busy server: try a few times.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using (await session.DeleteAsync($"/{container}", store)) { }
                return;
            }
            catch (HttpErrorException e) when (e.Status == HttpStatusCode.Conflict && attempt < 6)
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }
    catch (Exception e)
    {
        Log($"cleanup of container {container} failed: {e.GetType().Name}: {e.Message}");
    }
}

string Report(IReadOnlyList<RoundResult> rounds, int code)
{
    var c = CultureInfo.InvariantCulture;
    var sb = new StringBuilder();
    sb.AppendLine($"{options.Requests} concurrent {options.Op.ToUpperInvariant()}s of {(options.Op == "head" ? "objects" : $"{options.ObjectSize:N0} B objects")} " +
        $"through one session; the token is revoked server-side (DELETE /v3/auth/tokens) after the first {options.PassFirst} responses" +
        (options.Gate ? $", while the other requests are held in flight at a gate in the HTTP handler (released once the revocation is answered)." : ", the others still in flight (no gate).") +
        " Token requests are counted in a DelegatingHandler over the session's SocketsHttpHandler (POST /v3/auth/tokens).");
    sb.AppendLine();
    sb.AppendLine("Times are from the revocation's 204 (t0): *new token* is when Keystone's answer to the token request arrived, " +
                  "*first ok* the first success of a request carrying the new token, *all done* the last of the requests.");
    sb.AppendLine();
    sb.AppendLine("| Revocation | In flight at revocation (held at gate) | 401s seen | Keystone token requests | Reauthentications | Revoke took | New token after | First ok after | All done after | Result |");
    sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
    foreach (var r in rounds)
    {
        sb.AppendLine($"| {r.Index} | {r.InFlightAtRevocation} ({r.HeldAtRevocation}) | {r.Unauthorized} | **{r.TokenRequests}** | {r.Reauthentications} | " +
            $"{r.RevokeMs:N0} ms | {Ms(r.TokenAfterMs)} | {Ms(r.FirstNewTokenOkMs)} | {r.AllDoneMs:N0} ms | {r.Verdict} |");
    }
    var counts = string.Join(", ", rounds.Select(r => r.TokenRequests.ToString(c)));
    sb.AppendLine();
    sb.Append($"Keystone token requests per revocation: {(rounds.Count == 0 ? "none measured" : counts)} -> " +
        (code == 0 ? "**PASS** (exactly 1 each)" : "**FAIL**"));
    if (rounds.Count > 0)
    {
        var median = rounds.Select(r => r.AllDoneMs).Order().ElementAt(rounds.Count / 2);
        var tokenMedian = rounds.Where(r => r.TokenAfterMs is not null).Select(r => r.TokenAfterMs!.Value).Order().ToArray();
        sb.Append($"; median time from revocation to all {options.Requests} requests done: {median:N0} ms");
        if (tokenMedian.Length > 0) sb.Append($", to the new token: {tokenMedian[tokenMedian.Length / 2]:N0} ms");
        sb.Append('.');
    }
    sb.AppendLine();
    return sb.ToString();

    static string Ms(double? ms) => ms is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) + " ms" : "-";
}

static void Log(string message) => Console.Error.WriteLine($"[reauth {DateTime.Now:HH:mm:ss}] {message}");

namespace OpenStack.Actors.Reauth
{
    /// <summary>The command line.</summary>
    internal sealed record Options
    {
        public const string Usage = """
            usage: reauth-bench [--cloud NAME] [--revocations K] [--requests N] [--pass-first M] [--op put|head]
                                [--object-size BYTES] [--no-gate] [--settle-ms MS] [--report FILE]
              --cloud        cloud in clouds.yaml (OS_CLIENT_CONFIG_FILE); default devcloud-demo
              --revocations  revocations to measure (default 5), after one warm-up round
              --requests     concurrent requests per round (default 256)
              --pass-first   responses to wait for before revoking (default 32)
              --op           put (default; small objects) or head (of the same objects)
              --no-gate      do not hold the remaining requests while revoking (some may finish with the old token)
              --settle-ms    wait after a round before counting (default 1000)
              --report FILE  also write the Markdown table there
            exit code: 0 when every revocation cost exactly one Keystone token request and every request succeeded
            """;

        public string Cloud { get; init; } = "devcloud-demo";
        public int Revocations { get; init; } = 5;
        public int Requests { get; init; } = 256;
        public int PassFirst { get; init; } = 32;
        public string Op { get; init; } = "put";
        public int ObjectSize { get; init; } = 1024;
        public bool Gate { get; init; } = true;
        public int SettleMs { get; init; } = 1000;
        public string? ReportFile { get; init; }
        public bool Help { get; init; }

        public static Options Parse(string[] args)
        {
            var o = new Options();
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                int Int(int min) => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min
                    ? v : throw new ArgumentException($"{args[i - 1]} needs an integer >= {min}");
                o = args[i] switch
                {
                    "--cloud" => o with { Cloud = Next() },
                    "--revocations" => o with { Revocations = Int(1) },
                    "--requests" => o with { Requests = Int(2) },
                    "--pass-first" => o with { PassFirst = Int(1) },
                    "--op" => o with { Op = Next() switch { "put" => "put", "head" => "head", _ => throw new ArgumentException("--op is put or head") } },
                    "--object-size" => o with { ObjectSize = Int(0) },
                    "--no-gate" => o with { Gate = false },
                    "--settle-ms" => o with { SettleMs = Int(0) },
                    "--report" => o with { ReportFile = Next() },
                    "-h" or "--help" => o with { Help = true },
                    _ => throw new ArgumentException($"unknown argument {args[i]}"),
                };
            }
            if (o.PassFirst >= o.Requests) throw new ArgumentException("--pass-first must be below --requests");
            return o;
        }
    }

    internal readonly record struct Outcome(string? Error);

    internal sealed record RoundResult(
        int Index, int Requests, int Ok, int Failed, string? FirstError, int InFlightAtRevocation, int HeldAtRevocation, int Unauthorized,
        int TokenRequests, long Reauthentications, double RevokeMs, double? TokenAfterMs, double? FirstNewTokenOkMs, double AllDoneMs)
    {
        public bool Passed => TokenRequests == 1 && Reauthentications == 1 && Failed == 0;

        public string Verdict => Passed ? "ok"
            : Failed > 0 ? $"FAIL: {Failed} failed ({FirstError})"
            : Unauthorized == 0 ? $"FAIL: no 401 seen (revocation not exercised), {TokenRequests} token requests"
            : $"FAIL: {TokenRequests} token requests";
    }

    /// <summary>One round of concurrent requests: which token is the old one, the gate, and what the handler saw.</summary>
    internal sealed class Round(string oldToken, int passFirst, bool gate)
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _allHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _admitted;
        private int _held;
        private int _completed;
        private int _unauthorized;
        private double _revokedAt = double.NaN;
        private double _tokenResponseAt = double.NaN;
        private double _firstNewTokenOkAt = double.NaN;
        private int _expectHeld = int.MaxValue;

        public TaskCompletionSource FirstResponses { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string OldToken { get; } = oldToken;
        public int Held => Volatile.Read(ref _held);
        public int HeldAtRevocation { get; set; }
        public int InFlightAtRevocation { get; set; }
        public int CompletedCount => Volatile.Read(ref _completed);
        public int Unauthorized => Volatile.Read(ref _unauthorized);
        public double? TokenResponseMs => Relative(_tokenResponseAt);
        public double? FirstNewTokenOkMs => Relative(_firstNewTokenOkAt);

        /// <summary>Completes when every request beyond the first <c>passFirst</c> is held at the gate (at once without a gate).</summary>
        public Task AllHeldOrDone(int requests)
        {
            if (!gate) return Task.CompletedTask;
            Volatile.Write(ref _expectHeld, requests - passFirst);
            if (Held >= requests - passFirst) _allHeld.TrySetResult();
            return _allHeld.Task;
        }

        public void MarkRevoked() => _revokedAt = _clock.Elapsed.TotalMilliseconds;

        public double SinceRevoked() => _clock.Elapsed.TotalMilliseconds - _revokedAt;

        public void Open() => _open.TrySetResult();

        /// <summary>Before an object-store request goes out: the first <c>passFirst</c> go through, the rest wait for <see cref="Open"/>.</summary>
        public Task AdmitAsync(CancellationToken cancellationToken)
        {
            if (!gate || _open.Task.IsCompleted || Interlocked.Increment(ref _admitted) <= passFirst) return Task.CompletedTask;
            if (Interlocked.Increment(ref _held) >= Volatile.Read(ref _expectHeld)) _allHeld.TrySetResult();
            return _open.Task.WaitAsync(cancellationToken);
        }

        /// <summary>After an object-store response.</summary>
        public void Completed(HttpStatusCode status, string? token)
        {
            if (status == HttpStatusCode.Unauthorized) Interlocked.Increment(ref _unauthorized);
            if ((int)status is >= 200 and < 300 && token is not null && token != OldToken && double.IsNaN(_firstNewTokenOkAt))
                _firstNewTokenOkAt = _clock.Elapsed.TotalMilliseconds;
            if (Interlocked.Increment(ref _completed) >= passFirst) FirstResponses.TrySetResult();
        }

        public void TokenResponse()
        {
            if (double.IsNaN(_tokenResponseAt)) _tokenResponseAt = _clock.Elapsed.TotalMilliseconds;
        }

        private double? Relative(double at) => double.IsNaN(at) || double.IsNaN(_revokedAt) ? null : at - _revokedAt;
    }

    /// <summary>Counts Keystone token requests (POST …/auth/tokens) and holds object-store requests at the round's gate.</summary>
    internal sealed class CountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _tokenRequests;

        public int TokenRequests => Volatile.Read(ref _tokenRequests);

        public Round? Round { get; set; }

        public ConcurrentDictionary<string, int> Counts { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            var isTokenRequest = request.Method == HttpMethod.Post && path.EndsWith("/auth/tokens", StringComparison.Ordinal);
            var round = Round;
            if (isTokenRequest) Interlocked.Increment(ref _tokenRequests);
            else if (round is not null) await round.AdmitAsync(cancellationToken).ConfigureAwait(false);
            Counts.AddOrUpdate($"{request.Method} {(isTokenRequest ? path : "object-store")}", 1, (_, n) => n + 1);

            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (round is not null)
            {
                if (isTokenRequest) round.TokenResponse();
                else round.Completed(response.StatusCode, request.Headers.TryGetValues("X-Auth-Token", out var t) ? t.FirstOrDefault() : null);
            }
            return response;
        }
    }
}
