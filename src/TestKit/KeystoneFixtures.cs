using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.TestKit;

/// <summary>Whom a canned token belongs to. Null project id and name: an unscoped token (no project, no catalog).</summary>
public sealed record KeystoneIdentity
{
    /// <summary>The user id.</summary>
    public string UserId { get; init; } = "u-demo";

    /// <summary>The user name.</summary>
    public string UserName { get; init; } = "demo";

    /// <summary>The project id; null (with <see cref="ProjectName"/>) for an unscoped token.</summary>
    public string? ProjectId { get; init; } = "p-demo";

    /// <summary>The project name.</summary>
    public string? ProjectName { get; init; } = "demo";

    /// <summary>The domain id of the user and project.</summary>
    public string DomainId { get; init; } = "default";

    /// <summary>The domain name of the user and project.</summary>
    public string DomainName { get; init; } = "Default";

    /// <summary>Role names on the project.</summary>
    public IReadOnlyList<string> Roles { get; init; } = ["member", "reader"];

    /// <summary>True for a project-scoped token.</summary>
    public bool IsProjectScoped => ProjectId is not null || ProjectName is not null;

    /// <summary>The demo user in the demo project.</summary>
    public static KeystoneIdentity Demo { get; } = new();
}

/// <summary>Canned Keystone v3 answers, shaped as real Keystone sends them.</summary>
public static class KeystoneFixtures
{
    /// <summary>The auth url of the kit's fake cloud.</summary>
    public const string AuthUrl = "http://keystone.test:5000/v3";

    /// <summary>The public object-store endpoint of <see cref="CatalogBuilder.Default"/>.</summary>
    public const string SwiftUrl = "http://swift.test:8080/v1/AUTH_demo";

    /// <summary>
    /// The body of <c>POST /v3/auth/tokens</c>: <c>{"token": {methods, user, audit_ids, expires_at, issued_at, project,
    /// is_domain, roles, catalog}}</c>. The token itself travels in the <c>X-Subject-Token</c> header (see <see cref="TokenResponse"/>).
    /// </summary>
    /// <param name="catalog">The catalog; null takes <see cref="CatalogBuilder.Default"/>. Ignored for unscoped tokens.</param>
    /// <param name="expiresAt">Expiry; null: an hour from now.</param>
    /// <param name="identity">User and project; null takes <see cref="KeystoneIdentity.Demo"/>.</param>
    /// <param name="methods">Auth methods; null: <c>["password"]</c>.</param>
    /// <param name="issuedAt">Issue time; null: an hour before the expiry.</param>
    public static string TokenResponseJson(CatalogBuilder? catalog = null, DateTimeOffset? expiresAt = null, KeystoneIdentity? identity = null,
        IReadOnlyList<string>? methods = null, DateTimeOffset? issuedAt = null)
    {
        var who = identity ?? KeystoneIdentity.Demo;
        var expires = expiresAt ?? DateTimeOffset.UtcNow.AddHours(1);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("token");
            w.WriteStartArray("methods");
            foreach (var m in methods ?? ["password"]) w.WriteStringValue(m);
            w.WriteEndArray();
            w.WriteStartObject("user");
            WriteDomain(w, who);
            w.WriteString("id", who.UserId);
            w.WriteString("name", who.UserName);
            w.WriteNull("password_expires_at");
            w.WriteEndObject();
            w.WriteStartArray("audit_ids");
            w.WriteStringValue(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
            w.WriteEndArray();
            w.WriteString("expires_at", Timestamp(expires));
            w.WriteString("issued_at", Timestamp(issuedAt ?? expires.AddHours(-1)));
            if (who.IsProjectScoped)
            {
                w.WriteStartObject("project");
                WriteDomain(w, who);
                w.WriteString("id", who.ProjectId ?? "p-" + who.ProjectName);
                w.WriteString("name", who.ProjectName ?? who.ProjectId);
                w.WriteEndObject();
                w.WriteBoolean("is_domain", false);
                w.WriteStartArray("roles");
                foreach (var role in who.Roles)
                {
                    w.WriteStartObject();
                    w.WriteString("id", "r-" + role);
                    w.WriteString("name", role);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WritePropertyName("catalog");
                (catalog ?? CatalogBuilder.Default()).WriteTo(w);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A complete token response: 201 Created, <c>X-Subject-Token</c>, <c>x-openstack-request-id</c> and the JSON body.</summary>
    public static HttpResponseMessage TokenResponse(string token, CatalogBuilder? catalog = null, DateTimeOffset? expiresAt = null,
        KeystoneIdentity? identity = null) => TokenResponseWith(token, catalog, expiresAt, identity, null);

    /// <summary>A token response naming the auth methods used.</summary>
    internal static HttpResponseMessage TokenResponseWith(string token, CatalogBuilder? catalog, DateTimeOffset? expiresAt, KeystoneIdentity? identity,
        IReadOnlyList<string>? methods)
    {
        var response = Json(HttpStatusCode.Created, TokenResponseJson(catalog, expiresAt, identity, methods));
        response.Headers.Add("X-Subject-Token", token);
        return response;
    }

    /// <summary>An OpenStack error body: <c>{"error": {"code": 401, "title": "Unauthorized", "message": "..."}}</c>.</summary>
    public static string ErrorJson(int code, string title, string message) =>
        JsonSerializer.Serialize(new { error = new { code, title, message } });

    /// <summary>Keystone's 401 for refused credentials.</summary>
    public static HttpResponseMessage Unauthorized(string message = "The request you have made requires authentication.") =>
        Json(HttpStatusCode.Unauthorized, ErrorJson(401, "Unauthorized", message));

    /// <summary>An <see cref="AccessInfo"/> as the library would parse it from <see cref="TokenResponseJson"/>, for code under
    /// test that takes one directly.</summary>
    public static AccessInfo Access(string token, CatalogBuilder? catalog = null, DateTimeOffset? expiresAt = null,
        KeystoneIdentity? identity = null, long generation = 0)
    {
        var who = identity ?? KeystoneIdentity.Demo;
        var parsed = who.IsProjectScoped ? (catalog ?? CatalogBuilder.Default()).Build() : ServiceCatalog.Empty;
        return new AccessInfo(new AuthToken(token), expiresAt, parsed, $"user {who.UserName} in project {who.ProjectName ?? who.ProjectId ?? "(unscoped)"}",
            who.UserId, who.ProjectId, generation)
        { AuthUrl = new Uri(AuthUrl) };
    }

    /// <summary>A JSON response with a request id.</summary>
    internal static HttpResponseMessage Json(HttpStatusCode status, string json)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        response.Headers.Add("x-openstack-request-id", "req-" + Guid.NewGuid());
        return response;
    }

    private static void WriteDomain(Utf8JsonWriter w, KeystoneIdentity who)
    {
        w.WriteStartObject("domain");
        w.WriteString("id", who.DomainId);
        w.WriteString("name", who.DomainName);
        w.WriteEndObject();
    }

    /// <summary>Keystone's format: <c>2025-01-31T12:00:00.000000Z</c>.</summary>
    private static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
