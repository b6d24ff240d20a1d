using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenStack.Actors.Auth;

namespace OpenStack.Actors.TestKit;

/// <summary>A request the <see cref="FakeCloudHandler"/> received.</summary>
/// <param name="Sequence">1 for the first request, then 2, 3...</param>
/// <param name="Method">The method.</param>
/// <param name="Url">The absolute url.</param>
/// <param name="Headers">Request and content headers (case-insensitive; repeated values joined with ", ").</param>
/// <param name="Body">The body bytes.</param>
public sealed record HttpRecordedRequest(int Sequence, HttpMethod Method, Uri Url, IReadOnlyDictionary<string, string> Headers, ReadOnlyMemory<byte> Body)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>True for Keystone's <c>POST {auth url}/auth/tokens</c>.</summary>
    public bool IsTokenRequest { get; init; }

    /// <summary>The <c>X-Auth-Token</c> sent, if any.</summary>
    public string? Token => Header("X-Auth-Token");

    /// <summary>A header's value, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    /// <summary>The body as UTF-8 text.</summary>
    public string BodyText() => Encoding.UTF8.GetString(Body.Span);

    /// <summary>The body deserialised with System.Text.Json (web defaults unless given).</summary>
    public T? BodyJson<T>(JsonSerializerOptions? options = null) => JsonSerializer.Deserialize<T>(Body.Span, options ?? Web);

    /// <summary>Method and url; never headers (the token) or body (passwords).</summary>
    public override string ToString() => $"#{Sequence} {Method} {Url}";
}

/// <summary>What a <see cref="FakeCloudHandler"/> rule matches: a method (null: any) and a url pattern tried against the
/// absolute url and its path and query; optionally a predicate.</summary>
/// <param name="Method">The method, or null for any.</param>
/// <param name="Url">The url pattern.</param>
public sealed record HttpRequestMatcher(HttpMethod? Method, UrlPattern Url)
{
    /// <summary>An extra condition, or null.</summary>
    public Func<HttpRecordedRequest, bool>? Predicate { get; init; }

    /// <summary>How <see cref="Predicate"/> reads in messages.</summary>
    public string? PredicateDescription { get; init; }

    /// <summary>True when the request matches.</summary>
    public bool Matches(HttpRecordedRequest request) =>
        (Method is null || Method == request.Method)
        && Url.IsMatchAny([request.Url.AbsoluteUri, request.Url.PathAndQuery])
        && (Predicate is null || Predicate(request));

    /// <summary>For messages.</summary>
    public override string ToString() => $"{Method?.Method ?? "any method"} {Url}{(Predicate is null ? "" : $" where {PredicateDescription}")}";
}

/// <summary>How a <see cref="FakeCloudHandler"/> behaves.</summary>
public sealed record FakeCloudOptions
{
    /// <summary>Keystone's v3 url; tokens are issued at <c>{AuthUrl}/auth/tokens</c>.</summary>
    public Uri AuthUrl { get; init; } = new(KeystoneFixtures.AuthUrl);

    /// <summary>The password Keystone accepts (password auth); null accepts any credentials.</summary>
    public string? Password { get; init; }

    /// <summary>The catalog in each token; null takes <see cref="CatalogBuilder.Default"/>.</summary>
    public CatalogBuilder? Catalog { get; init; }

    /// <summary>Whom tokens belong to.</summary>
    public KeystoneIdentity Identity { get; init; } = KeystoneIdentity.Demo;

    /// <summary>Life of each token on <see cref="Clock"/>.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The cloud's clock for expiry. The real session compares expiry with its scheduler's clock: under virtual
    /// time pass <c>() =&gt; Sys.Scheduler.Now</c>.</summary>
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;

    /// <summary>Requests to services without a valid token get 401 (as Swift behind keystonemiddleware does).</summary>
    public bool RequireToken { get; init; } = true;

    /// <summary>Tokens are <c>{TokenPrefix}-{n}</c>.</summary>
    public string TokenPrefix { get; init; } = "tok";
}

/// <summary>
/// A fake cloud as an <see cref="HttpMessageHandler"/>, to put under a REAL session
/// (<c>SessionActor.Props(authenticator, settings, handler)</c>, or <c>OpenStackSessionOptions.Handler</c>): a Keystone
/// that issues <c>tok-1</c>, <c>tok-2</c>... with the catalog of <see cref="FakeCloudOptions.Catalog"/>, services that
/// check the token (revocation, expiry, forced 401s), and scripted replies for everything else.
/// Use it to test with the session's own reauthentication, retries, redirects and endpoint selection; for your own
/// actors' logic under virtual time, <see cref="FakeSession"/> is simpler.
/// </summary>
/// <remarks>Order of handling: a token request is answered by a matching rule if any (script a Keystone outage that way),
/// else by the built-in Keystone. Any other request must carry a live token (unless <see cref="FakeCloudOptions.RequireToken"/>
/// is off), then is answered by the first matching rule, else with 501 and a message naming the request (recorded in
/// <see cref="UnexpectedRequests"/>).</remarks>
public sealed class FakeCloudHandler : HttpMessageHandler
{
    private readonly object _gate = new();
    private readonly List<ScriptedRule<HttpRequestMatcher>> _rules = new();
    private readonly List<HttpRecordedRequest> _requests = new();
    private readonly List<HttpRecordedRequest> _unexpected = new();
    private readonly KeystoneStandIn _keystone;
    private int _rejectTokens;

    /// <summary>Creates the handler.</summary>
    public FakeCloudHandler(FakeCloudOptions? options = null)
    {
        Options = options ?? new FakeCloudOptions();
        var catalog = Options.Catalog;
        _keystone = new KeystoneStandIn(new KeystoneRules(Options.AuthUrl, Options.Identity, () => catalog ?? CatalogBuilder.Default(),
            Options.TokenLifetime, Options.Clock, Options.TokenPrefix) { Password = Options.Password });
    }

    /// <summary>The options the handler was created with (the catalog, tokens and credentials it accepts).</summary>
    public FakeCloudOptions Options { get; }

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<HttpRecordedRequest> Requests
    {
        get { lock (_gate) return _requests.ToArray(); }
    }

    /// <summary>The Keystone token requests received.</summary>
    public IReadOnlyList<HttpRecordedRequest> TokenRequests => Requests.Where(r => r.IsTokenRequest).ToList();

    /// <summary>Requests no rule answered.</summary>
    public IReadOnlyList<HttpRecordedRequest> UnexpectedRequests
    {
        get { lock (_gate) return _unexpected.ToArray(); }
    }

    /// <summary>Tokens the built-in Keystone issued.</summary>
    public int TokensIssued => _keystone.Issued;

    /// <summary>The token issued last, if any.</summary>
    public string? LastToken => _keystone.LastToken;

    /// <summary>A password authenticator for this cloud's Keystone (user and project of <see cref="FakeCloudOptions.Identity"/>).</summary>
    public KeystonePasswordAuthenticator PasswordAuthenticator(string? password = null) =>
        new(Options.AuthUrl, password ?? Options.Password ?? "secret",
            AuthScope.ProjectName(Options.Identity.ProjectName ?? "demo", Options.Identity.DomainName), userName: Options.Identity.UserName,
            userDomainName: Options.Identity.DomainName);

    /// <summary>A static authenticator (<see cref="TestAuthenticators.Static(string, string)"/>) whose token this cloud accepts.</summary>
    public StaticAuthenticator StaticAuthenticator(string token = TestAuthenticators.DefaultToken, string endpoint = KeystoneFixtures.SwiftUrl)
    {
        AcceptToken(token);
        return TestAuthenticators.Static(token, endpoint);
    }

    /// <summary>Accepts a token Keystone did not issue here (a static token), without expiry.</summary>
    public void AcceptToken(string token) => _keystone.Accept(token);

    /// <summary>Revokes a token: services answer 401 to it from now on.</summary>
    public void Revoke(string token) => _keystone.Revoke(token);

    /// <summary>Revokes every token.</summary>
    public void RevokeAll() => _keystone.RevokeAll();

    /// <summary>A 401 storm on the wire: the next <paramref name="count"/> requests that carry a token get 401, valid or not.</summary>
    public void RejectTokens(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_gate) _rejectTokens += count;
    }

    /// <summary>Scripts replies to requests with this method (null: any) and url; rules are tried in declaration order.</summary>
    public HttpReplyBuilder When(HttpMethod? method, UrlPattern url)
    {
        lock (_gate)
        {
            var rule = new ScriptedRule<HttpRequestMatcher>(_rules.Count + 1, new HttpRequestMatcher(method, url));
            _rules.Add(rule);
            return new HttpReplyBuilder(_gate, rule);
        }
    }

    /// <summary>Throws when any request matched no rule.</summary>
    /// <exception cref="FakeAssertionException">Lists them.</exception>
    public void VerifyNoUnexpectedRequests()
    {
        var unexpected = UnexpectedRequests;
        if (unexpected.Count == 0) return;
        throw new FakeAssertionException($"FakeCloudHandler received {unexpected.Count} unexpected request(s):\n{string.Join("\n", unexpected.Select(u => "  " + u))}\nScripted rules:\n{DescribeRules()}");
    }

    /// <summary>Throws when any request matched no rule or a reply scripted a fixed number of times was not used up.</summary>
    /// <exception cref="FakeAssertionException">Lists what went wrong.</exception>
    public void Verify()
    {
        VerifyNoUnexpectedRequests();
        List<string> unmet;
        lock (_gate) unmet = _rules.SelectMany(r => r.Script.Unmet().Select(u => $"rule {r.Number}) {r.Matcher}: {u}")).ToList();
        if (unmet.Count > 0)
            throw new FakeAssertionException($"FakeCloudHandler: scripted replies not used up:\n{string.Join("\n", unmet.Select(u => "  " + u))}");
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in request.Headers) headers[h.Key] = string.Join(", ", h.Value);
        byte[] body = [];
        if (request.Content is not null)
        {
            foreach (var h in request.Content.Headers) headers[h.Key] = string.Join(", ", h.Value);
            body = await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        var url = request.RequestUri ?? throw new InvalidOperationException("The request has no url");
        var isToken = _keystone.IsTokenRequest(request.Method, url);

        HttpResponseMessage response;
        lock (_gate)
        {
            var recorded = new HttpRecordedRequest(_requests.Count + 1, request.Method, url, headers, body) { IsTokenRequest = isToken };
            _requests.Add(recorded);
            response = Respond(recorded);
        }
        response.RequestMessage = request;
        return response;
    }

    /// <summary>Under the lock.</summary>
    private HttpResponseMessage Respond(HttpRecordedRequest r)
    {
        if (r.IsTokenRequest) return TakeStep(r) is { } keystoneStep ? Build(keystoneStep, r) : _keystone.Issue(r.Body.Span);

        if (r.Token is { } token)
        {
            if (_rejectTokens > 0)
            {
                _rejectTokens--;
                return KeystoneStandIn.SwiftUnauthorized();
            }
            if (!_keystone.IsLive(token)) return KeystoneStandIn.SwiftUnauthorized();
        }
        else if (Options.RequireToken)
        {
            return KeystoneStandIn.SwiftUnauthorized();
        }

        if (TakeStep(r) is { } step) return Build(step, r);
        _unexpected.Add(r);
        return new HttpResponseMessage(HttpStatusCode.NotImplemented)
        {
            Content = new StringContent($"FakeCloudHandler has no rule for {r.Method} {r.Url}", Encoding.UTF8, "text/plain"),
        };
    }

    private CannedStep? TakeStep(HttpRecordedRequest r)
    {
        foreach (var rule in _rules)
            if (rule.Matcher.Matches(r) && rule.Script.Take() is { } step) return step;
        return null;
    }

    private static HttpResponseMessage Build(CannedStep step, HttpRecordedRequest r)
    {
        if (step.ConnectionFailure is { } failure) throw new HttpRequestException($"{failure} ({r.Url.Authority})");
        var response = new HttpResponseMessage((HttpStatusCode)step.Status) { Content = new ByteArrayContent(step.Body) };
        if (step.ContentType is not null) response.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(step.ContentType);
        foreach (var (name, value) in step.Headers)
        {
            // A response header (ETag, Retry-After) goes there; a content header replaces the content's own (Content-Type).
            if (response.Headers.TryAddWithoutValidation(name, value)) continue;
            response.Content.Headers.Remove(name);
            response.Content.Headers.TryAddWithoutValidation(name, value);
        }
        if (!response.Headers.Contains("x-openstack-request-id") && !response.Headers.Contains("x-trans-id"))
            response.Headers.Add("x-openstack-request-id", "req-fake-" + r.Sequence.ToString(CultureInfo.InvariantCulture));
        return response;
    }

    private string DescribeRules()
    {
        lock (_gate) return _rules.Count == 0 ? "  (none)" : string.Join("\n", _rules.Select(r => "  " + r));
    }
}
