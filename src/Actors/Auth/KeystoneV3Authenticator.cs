using System.Globalization;
using System.Net;
using System.Text.Json;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Transport;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Auth;

/// <summary>The scope a Keystone token is requested for.</summary>
public abstract record AuthScope
{
    private protected AuthScope() { }

    /// <summary>No scope: a token without a catalog, good for listing projects.</summary>
    public static AuthScope Unscoped { get; } = new UnscopedScope();

    /// <summary>A project by id.</summary>
    public static AuthScope ProjectId(string id) => new ProjectScope(id, null, null, null);

    /// <summary>A project by name within a domain given by name or id.</summary>
    public static AuthScope ProjectName(string name, string? domainName = "Default", string? domainId = null) => new ProjectScope(null, name, domainName, domainId);

    /// <summary>A domain by id or name.</summary>
    public static AuthScope Domain(string? id = null, string? name = null) => new DomainScope(id, name);

    internal abstract void Write(Utf8JsonWriter w);

    internal abstract string Describe();
}

internal sealed record UnscopedScope : AuthScope
{
    internal override void Write(Utf8JsonWriter w) { }

    internal override string Describe() => "unscoped";
}

internal sealed record ProjectScope(string? Id, string? Name, string? DomainName, string? DomainId) : AuthScope
{
    internal override void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject("scope");
        w.WriteStartObject("project");
        if (Id is not null) w.WriteString("id", Id);
        else
        {
            w.WriteString("name", Name);
            KeystoneJson.WriteDomain(w, DomainId, DomainName);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    internal override string Describe() => Id is not null ? $"project id {Id}" : $"project {Name} in domain {DomainId ?? DomainName}";
}

internal sealed record DomainScope(string? Id, string? Name) : AuthScope
{
    internal override void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject("scope");
        w.WriteStartObject("domain");
        if (Id is not null) w.WriteString("id", Id);
        else w.WriteString("name", Name);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    internal override string Describe() => $"domain {Id ?? Name}";
}

internal static class KeystoneJson
{
    internal static void WriteDomain(Utf8JsonWriter w, string? id, string? name)
    {
        w.WriteStartObject("domain");
        if (id is not null) w.WriteString("id", id);
        else w.WriteString("name", name ?? "Default");
        w.WriteEndObject();
    }
}

/// <summary>
/// Base of the Keystone v3 authenticators: POSTs <c>/v3/auth/tokens</c> and reads the token from
/// <c>X-Subject-Token</c>, expiry and catalog from the body.
/// </summary>
public abstract class KeystoneV3Authenticator : IAuthenticator
{
    /// <summary>Creates the authenticator.</summary>
    /// <param name="authUrl">Keystone's url, with or without <c>/v3</c>.</param>
    protected KeystoneV3Authenticator(Uri authUrl) => AuthUrl = NormalizeAuthUrl(authUrl);

    /// <summary>Keystone's v3 url (ending in <c>/v3</c>).</summary>
    public Uri AuthUrl { get; }

    /// <inheritdoc />
    public abstract string Description { get; }

    /// <summary>Writes the <c>identity</c> object (and the scope) inside <c>auth</c>.</summary>
    protected abstract void WriteAuth(Utf8JsonWriter writer);

    /// <summary>Appends <c>/v3</c> when the url names no version, as keystoneauth's discovery would find.</summary>
    public static Uri NormalizeAuthUrl(Uri authUrl)
    {
        var text = authUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
        if (!text.EndsWith("/v3", StringComparison.OrdinalIgnoreCase)) text += "/v3";
        return new Uri(text);
    }

    /// <inheritdoc />
    public async Task<AccessInfo> AuthenticateAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var body = BuildBody();
        var url = new Uri(AuthUrl + "/auth/tokens");
        var response = await HttpExchange.SendAsync(http, HttpMethod.Post, url, null, RequestBody.FromBytes(body, "application/json"),
            token: null, streamResponse: false, timeout, maxRedirects: 5, cancellationToken).ConfigureAwait(false);
        Array.Clear(body);
        if (response.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest or HttpStatusCode.NotFound)
        {
            var message = ErrorBodies.Message(response.Header("Content-Type"), response.Body.Span) ?? response.Status.ToString();
            throw new AuthenticationFailedException(
                $"Keystone at {AuthUrl} refused {Description}: {(int)response.Status} {message}", response.Status, response.RequestId);
        }
        if (!response.IsSuccess)
        {
            throw new HttpErrorException(HttpMethod.Post, url, response.Status, response.RequestId,
                ErrorBodies.Message(response.Header("Content-Type"), response.Body.Span), response);
        }
        var token = response.Header("X-Subject-Token");
        if (string.IsNullOrWhiteSpace(token))
            throw new OpenStackException($"Keystone at {AuthUrl} answered {(int)response.Status} without an X-Subject-Token header");
        return ParseToken(token, response.Body.Span, Description) with { AuthUrl = AuthUrl };
    }

    internal static AccessInfo ParseToken(string token, ReadOnlySpan<byte> body, string identity)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (!doc.RootElement.TryGetProperty("token", out var t) || t.ValueKind != JsonValueKind.Object)
                throw new OpenStackException("Malformed Keystone token body: no 'token' object");
            DateTimeOffset? expires = t.TryGetProperty("expires_at", out var e) && e.ValueKind == JsonValueKind.String
                ? DateTimeOffset.Parse(e.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
                : null;
            var catalog = t.TryGetProperty("catalog", out var c) ? ServiceCatalog.ParseV3(c) : ServiceCatalog.Empty;
            var userId = t.TryGetProperty("user", out var u) && u.TryGetProperty("id", out var uid) ? uid.GetString() : null;
            var projectId = t.TryGetProperty("project", out var p) && p.TryGetProperty("id", out var pid) ? pid.GetString() : null;
            return new AccessInfo(new AuthToken(token), expires, catalog, identity, userId, projectId);
        }
        catch (JsonException ex)
        {
            throw new OpenStackException($"Malformed Keystone token body: {ex.Message}");
        }
        catch (FormatException ex)
        {
            throw new OpenStackException($"Malformed Keystone token expiry: {ex.Message}");
        }
    }

    private byte[] BuildBody()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("auth");
            WriteAuth(w);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}

/// <summary>Keystone v3 password authentication: a user by id, or by name within a domain; any scope.</summary>
public sealed class KeystonePasswordAuthenticator : KeystoneV3Authenticator
{
    private readonly string _password;

    /// <summary>Creates the authenticator.</summary>
    public KeystonePasswordAuthenticator(Uri authUrl, string password, AuthScope scope,
        string? userName = null, string? userId = null, string? userDomainName = "Default", string? userDomainId = null)
        : base(authUrl)
    {
        if (userName is null && userId is null) throw new ArgumentException("A user name or user id is required");
        _password = password;
        Scope = scope;
        UserName = userName;
        UserId = userId;
        UserDomainName = userDomainName;
        UserDomainId = userDomainId;
    }

    /// <summary>The scope requested.</summary>
    public AuthScope Scope { get; }

    /// <summary>User name (with a domain), or null when <see cref="UserId"/> is used.</summary>
    public string? UserName { get; }

    /// <summary>User id.</summary>
    public string? UserId { get; }

    /// <summary>The user's domain name.</summary>
    public string? UserDomainName { get; }

    /// <summary>The user's domain id.</summary>
    public string? UserDomainId { get; }

    /// <inheritdoc />
    public override string Description =>
        $"password for user {UserId ?? $"{UserName} in domain {UserDomainId ?? UserDomainName}"}, {Scope.Describe()}";

    /// <inheritdoc />
    protected override void WriteAuth(Utf8JsonWriter w)
    {
        w.WriteStartObject("identity");
        w.WriteStartArray("methods");
        w.WriteStringValue("password");
        w.WriteEndArray();
        w.WriteStartObject("password");
        w.WriteStartObject("user");
        if (UserId is not null) w.WriteString("id", UserId);
        else
        {
            w.WriteString("name", UserName);
            KeystoneJson.WriteDomain(w, UserDomainId, UserDomainName);
        }
        w.WriteString("password", _password);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        Scope.Write(w);
    }
}

/// <summary>Keystone v3 token authentication: exchanges an existing token for a (re)scoped one.</summary>
public sealed class KeystoneTokenAuthenticator : KeystoneV3Authenticator
{
    private readonly string _token;

    /// <summary>Creates the authenticator.</summary>
    public KeystoneTokenAuthenticator(Uri authUrl, string token, AuthScope scope) : base(authUrl)
    {
        _token = token;
        Scope = scope;
    }

    /// <summary>The scope requested.</summary>
    public AuthScope Scope { get; }

    /// <inheritdoc />
    public override string Description => $"token, {Scope.Describe()}";

    /// <inheritdoc />
    protected override void WriteAuth(Utf8JsonWriter w)
    {
        w.WriteStartObject("identity");
        w.WriteStartArray("methods");
        w.WriteStringValue("token");
        w.WriteEndArray();
        w.WriteStartObject("token");
        w.WriteString("id", _token);
        w.WriteEndObject();
        w.WriteEndObject();
        Scope.Write(w);
    }
}

/// <summary>Keystone v3 application credential: by id, or by name with its user (id, or name and domain). The credential carries its own scope.</summary>
public sealed class KeystoneApplicationCredentialAuthenticator : KeystoneV3Authenticator
{
    private readonly string _secret;

    /// <summary>Creates the authenticator.</summary>
    public KeystoneApplicationCredentialAuthenticator(Uri authUrl, string secret, string? id = null, string? name = null,
        string? userId = null, string? userName = null, string? userDomainName = "Default", string? userDomainId = null)
        : base(authUrl)
    {
        if (id is null && (name is null || (userId is null && userName is null)))
            throw new ArgumentException("An application credential needs an id, or a name and its user");
        _secret = secret;
        Id = id;
        Name = name;
        UserId = userId;
        UserName = userName;
        UserDomainName = userDomainName;
        UserDomainId = userDomainId;
    }

    /// <summary>The credential id.</summary>
    public string? Id { get; }

    /// <summary>The credential name (with a user).</summary>
    public string? Name { get; }

    /// <summary>The owning user's id.</summary>
    public string? UserId { get; }

    /// <summary>The owning user's name.</summary>
    public string? UserName { get; }

    /// <summary>The owning user's domain name.</summary>
    public string? UserDomainName { get; }

    /// <summary>The owning user's domain id.</summary>
    public string? UserDomainId { get; }

    /// <inheritdoc />
    public override string Description =>
        Id is not null ? $"application credential {Id}" : $"application credential {Name} of user {UserId ?? UserName}";

    /// <inheritdoc />
    protected override void WriteAuth(Utf8JsonWriter w)
    {
        w.WriteStartObject("identity");
        w.WriteStartArray("methods");
        w.WriteStringValue("application_credential");
        w.WriteEndArray();
        w.WriteStartObject("application_credential");
        if (Id is not null) w.WriteString("id", Id);
        else
        {
            w.WriteString("name", Name);
            w.WriteStartObject("user");
            if (UserId is not null) w.WriteString("id", UserId);
            else
            {
                w.WriteString("name", UserName);
                KeystoneJson.WriteDomain(w, UserDomainId, UserDomainName);
            }
            w.WriteEndObject();
        }
        w.WriteString("secret", _secret);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
