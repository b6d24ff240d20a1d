using System.Net;
using System.Text;
using System.Text.Json;
using OpenStack.Actors.Auth;

namespace OpenStack.Actors.TestKit;

/// <summary>What the built-in Keystone of a fake cloud accepts and issues.</summary>
/// <param name="AuthUrl">Keystone's v3 url; tokens are issued at <c>{AuthUrl}/auth/tokens</c>.</param>
/// <param name="Identity">Whom tokens belong to.</param>
/// <param name="Catalog">The catalog of each token.</param>
/// <param name="Lifetime">Life of each token on <paramref name="Clock"/>.</param>
/// <param name="Clock">The cloud's clock for expiry.</param>
/// <param name="TokenPrefix">Tokens are <c>{TokenPrefix}-{n}</c>.</param>
internal sealed record KeystoneRules(Uri AuthUrl, KeystoneIdentity Identity, Func<CatalogBuilder> Catalog, TimeSpan Lifetime,
    Func<DateTimeOffset> Clock, string TokenPrefix)
{
    /// <summary>The password accepted; null accepts any.</summary>
    public string? Password { get; init; }

    /// <summary>The application credential secret accepted; null accepts any.</summary>
    public string? ApplicationCredentialSecret { get; init; }

    /// <summary>The token method needs a live token of this Keystone (as real Keystone checks it).</summary>
    public bool CheckTokenMethod { get; init; }
}

/// <summary>
/// The Keystone of the kit's fake clouds: issues tokens for password, token and application-credential requests as the
/// library's authenticators send them, and tells services whether a token is live (issued here or accepted, not revoked,
/// not expired). Thread-safe.
/// </summary>
internal sealed class KeystoneStandIn
{
    private readonly object _gate = new();
    private readonly Dictionary<string, DateTimeOffset?> _live = new(StringComparer.Ordinal);
    private readonly string _tokenPath;
    private int _issued;
    private string? _lastToken;

    public KeystoneStandIn(KeystoneRules rules)
    {
        Rules = rules;
        _tokenPath = KeystoneV3Authenticator.NormalizeAuthUrl(rules.AuthUrl).AbsolutePath.TrimEnd('/') + "/auth/tokens";
    }

    public KeystoneRules Rules { get; }

    public int Issued
    {
        get { lock (_gate) return _issued; }
    }

    public string? LastToken
    {
        get { lock (_gate) return _lastToken; }
    }

    /// <summary>True for <c>POST {auth url}/auth/tokens</c>.</summary>
    public bool IsTokenRequest(HttpMethod method, Uri url) =>
        method == HttpMethod.Post && string.Equals(url.AbsolutePath.TrimEnd('/'), _tokenPath, StringComparison.OrdinalIgnoreCase);

    public void Accept(string token)
    {
        lock (_gate) _live[token] = null;
    }

    public void Revoke(string token)
    {
        lock (_gate) _live.Remove(token);
    }

    public void RevokeAll()
    {
        lock (_gate) _live.Clear();
    }

    /// <summary>True when the token was issued or accepted here, is not revoked and has not expired.</summary>
    public bool IsLive(string token)
    {
        lock (_gate) return _live.TryGetValue(token, out var expires) && (expires is not { } at || Rules.Clock() < at);
    }

    /// <summary>Answers a token request: a 201 with a new token, or Keystone's 401 for refused credentials.</summary>
    public HttpResponseMessage Issue(ReadOnlySpan<byte> body)
    {
        // An unreadable body is refused like wrong credentials when credentials are checked at all.
        var request = Parse(body) ?? (Rules.Password is null ? new TokenRequest(["password"], null, null, null) : null);
        if (request is null || !Accepted(request.Value)) return KeystoneFixtures.Unauthorized();
        lock (_gate)
        {
            var token = $"{Rules.TokenPrefix}-{++_issued}";
            var expires = Rules.Clock() + Rules.Lifetime;
            _live[token] = expires;
            _lastToken = token;
            return KeystoneFixtures.TokenResponseWith(token, Rules.Catalog(), expires, Rules.Identity, request.Value.Methods);
        }
    }

    /// <summary>Swift's answer (behind keystonemiddleware) to a missing, revoked or expired token.</summary>
    public static HttpResponseMessage SwiftUnauthorized() => new(HttpStatusCode.Unauthorized)
    {
        Content = new StringContent("<html><h1>Unauthorized</h1><p>This server could not verify that you are authorized to access the document you requested.</p></html>",
            Encoding.UTF8, "text/html"),
    };

    private bool Accepted(TokenRequest r)
    {
        if (r.Password is { } password && Rules.Password is { } expected && !string.Equals(password, expected, StringComparison.Ordinal)) return false;
        if (r.Secret is { } secret && Rules.ApplicationCredentialSecret is { } wanted && !string.Equals(secret, wanted, StringComparison.Ordinal)) return false;
        return r.Token is not { } token || !Rules.CheckTokenMethod || IsLive(token);
    }

    private readonly record struct TokenRequest(IReadOnlyList<string> Methods, string? Password, string? Secret, string? Token);

    /// <summary>The methods and credentials of a v3 token request; null when the body is not one (refused like wrong credentials).</summary>
    private static TokenRequest? Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (!doc.RootElement.TryGetProperty("auth", out var auth) || !auth.TryGetProperty("identity", out var identity)) return null;
            var methods = identity.TryGetProperty("methods", out var m) && m.ValueKind == JsonValueKind.Array
                ? m.EnumerateArray().Select(x => x.GetString() ?? "").ToList()
                : ["password"];
            return new TokenRequest(methods,
                Text(identity, "password", "user", "password"),
                Text(identity, "application_credential", "secret"),
                Text(identity, "token", "id"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement e, params string[] path)
    {
        foreach (var p in path)
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e)) return null;
        return e.ValueKind == JsonValueKind.String ? e.GetString() : "";
    }
}
