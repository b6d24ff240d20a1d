using System.Globalization;
using System.Net;
using System.Text.Json;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Transport;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Auth;

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
