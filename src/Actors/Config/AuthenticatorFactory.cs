using OpenStack.Actors.Auth;

namespace OpenStack.Actors.Config;

/// <summary>
/// Plugin loading, kept apart from finding and reading configuration (as keystoneauth keeps <c>loading/</c>): the
/// authenticator that a cloud's <c>auth_type</c> and auth section describe, with the scope and domains resolved the
/// way keystoneauth resolves them. Errors name the missing or wrong key, never a secret.
/// </summary>
internal sealed class AuthenticatorFactory(CloudConfig cloud)
{
    private string AuthType => cloud.AuthType;

    private string Label => cloud.Label;

    private string? Get(string key) => cloud.Get(key);

    private string KeyName(string key) => cloud.KeyName(key);

    private CloudConfigException Missing(string key, string why = "") => cloud.Missing(key, why);

    private CloudConfigException Error(string message) => cloud.Error(message);

    internal IAuthenticator Create()
    {
        switch (NormalizedAuthType())
        {
            case "password" or "v3password":
            {
                var url = KeystoneUrl();
                var userId = Get("user_id");
                var userName = Get("username");
                if (userId is null && userName is null) throw Missing("username", $" (nor {KeyName("user_id")})");
                var password = Require("password");
                var scope = Scope();
                var (domainId, domainName) = UserDomain();
                return new KeystonePasswordAuthenticator(url, password, scope, userName, userId, domainName, domainId);
            }
            case "token" or "v3token":
            {
                var url = KeystoneUrl();
                return new KeystoneTokenAuthenticator(url, Require("token"), Scope());
            }
            case "v3applicationcredential" or "applicationcredential":
            {
                var url = KeystoneUrl();
                var id = Get("application_credential_id");
                var name = Get("application_credential_name");
                if (id is null && name is null) throw Missing("application_credential_id", $" (nor {KeyName("application_credential_name")})");
                var userId = Get("user_id");
                var userName = Get("username");
                if (id is null && userId is null && userName is null)
                    throw Missing("user_id", $" (nor {KeyName("username")}): an application credential given by name needs its user");
                var secret = Require("application_credential_secret");
                var (domainId, domainName) = UserDomain();
                return new KeystoneApplicationCredentialAuthenticator(url, secret, id, name, userId, userName, domainName, domainId);
            }
            case "none" or "noauth" or "static":
                return new StaticAuthenticator(Get("token") ?? CloudConfig.NoAuthToken, RequireUrl("endpoint", " (the service endpoint used for every request)"));
            case "admintoken":
                return new StaticAuthenticator(Require("token"), RequireUrl("endpoint", " (the service endpoint used for every request)"));
            case "v2password" or "v2token":
                throw Error($"{Label} uses auth_type '{AuthType}': Keystone v2 is not supported, use password, token or v3applicationcredential");
            default:
                throw Error($"{Label} uses auth_type '{AuthType}', which is not supported; use password, v3password, token, v3token, v3applicationcredential, none or admin_token");
        }
    }

    private string NormalizedAuthType() => AuthType.Trim().ToLowerInvariant().Replace("_", "").Replace("-", "");

    private string Require(string key, string why = "") => Get(key) ?? throw Missing(key, why);

    private Uri RequireUrl(string key, string why = "")
    {
        var text = Require(key, why);
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || !IsHttp(uri))
            throw Error($"{KeyName(key)} of {Label} is not an absolute http(s) url");
        return uri;
    }

    /// <summary>The Keystone url; a <c>/v2.0</c> suffix is dropped so that the v3 API is used, as discovery would.</summary>
    private Uri KeystoneUrl()
    {
        var uri = RequireUrl("auth_url");
        var path = uri.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/v2.0", StringComparison.OrdinalIgnoreCase))
            uri = new UriBuilder(uri) { Path = path[..^"/v2.0".Length] + "/", Query = "", Fragment = "" }.Uri;
        return uri;
    }

    internal static bool IsHttp(Uri uri) => uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps;

    private AuthScope Scope()
    {
        if (Get("system_scope") is not null) throw Error($"{Label} requests a system scope, which is not supported");
        if (Get("trust_id") is not null) throw Error($"{Label} requests a trust scope (trust_id), which is not supported");
        if (Get("project_id") is { } projectId) return AuthScope.ProjectId(projectId);
        if (Get("project_name") is { } projectName)
        {
            var (id, name) = ProjectDomain();
            return AuthScope.ProjectName(projectName, name, id);
        }
        var domainId = Get("domain_id");
        var domainName = Get("domain_name");
        return domainId is not null || domainName is not null ? AuthScope.Domain(domainId, domainName) : AuthScope.Unscoped;
    }

    private bool ProjectScoped => Get("project_id") is not null || Get("project_name") is not null;

    private (string? Id, string? Name)? Domain(string prefix) =>
        Get(prefix + "_id") is { } id ? (id, Get(prefix + "_name"))
        : Get(prefix + "_name") is { } name ? (null, name)
        : null;

    /// <summary>user_domain_*, else domain_* of a project-scoped cloud, else default_domain_*, else "Default".</summary>
    internal (string? Id, string? Name) UserDomain() =>
        Domain("user_domain") ?? (ProjectScoped ? Domain("domain") : null) ?? Domain("default_domain") ?? (null, "Default");

    /// <summary>project_domain_*, else domain_*, else user_domain_*, else default_domain_*, else "Default".</summary>
    internal (string? Id, string? Name) ProjectDomain() =>
        Domain("project_domain") ?? Domain("domain") ?? Domain("user_domain") ?? Domain("default_domain") ?? (null, "Default");

    internal static string DescribeDomain((string? Id, string? Name) domain) => domain.Id ?? domain.Name ?? "Default";
}
