using System.Globalization;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using static OpenStack.Actors.Config.CloudConfigFiles;
using static OpenStack.Actors.Config.CloudYaml;
using static OpenStack.Actors.Config.ConfigEnvironment;

namespace OpenStack.Actors.Config;

/// <summary>
/// One cloud's connection settings, read the way openstacksdk and keystoneauth read them: an entry of
/// <c>clouds.yaml</c> (deep-merged with <c>secure.yaml</c>), or the <c>OS_*</c> environment variables of an openrc file.
/// </summary>
/// <remarks>
/// <para>Supported <c>auth_type</c>s: <c>password</c>/<c>v3password</c>, <c>token</c>/<c>v3token</c>,
/// <c>v3applicationcredential</c>, and — not a keystoneauth plug-in name match, but useful for clouds without
/// Keystone — <c>none</c> (also <c>noauth</c>, <c>static</c>) and <c>admin_token</c>, which send a fixed token to
/// <c>auth.endpoint</c> for every service (<see cref="StaticAuthenticator"/>). Without <c>auth_type</c> it is inferred:
/// an application credential, else a token without a password, else a password.</para>
/// <para>As in openstacksdk, keys may be spelled with <c>-</c> or <c>_</c>; <c>tenant_*</c> is an alias of
/// <c>project_*</c>, <c>auth_token</c> of <c>token</c>, <c>endpoint_type</c> of <c>interface</c>; auth keys written at
/// the top level of a cloud are moved into <c>auth</c>; <c>domain_id</c>/<c>domain_name</c> of a project-scoped cloud
/// are defaults for the user and project domains, otherwise they request a domain scope.
/// Per-service settings <c>&lt;service_type&gt;_interface</c>, <c>_region_name</c>, <c>_service_name</c> and
/// <c>_endpoint_override</c> (e.g. <c>object_store_endpoint_override</c>) are applied by <see cref="Filter"/>.
/// Vendor profiles (<c>profile:</c>), <c>clouds-public.yaml</c> and <c>*_api_version</c> are not used.</para>
/// </remarks>
public sealed record CloudConfig
{
    private static readonly IReadOnlyDictionary<string, string> EmptyMap = new Dictionary<string, string>(StringComparer.Ordinal);
    private static readonly string[] KnownInterfaces = ["public", "internal", "admin"];

    /// <summary>Sent by <c>auth_type: none</c> when no token is configured: <see cref="StaticAuthenticator"/> needs one.</summary>
    internal const string NoAuthToken = "noauth";

    /// <summary>The cloud's name in clouds.yaml, or null when the configuration comes from <c>OS_*</c> variables.</summary>
    public string? Name { get; init; }

    /// <summary>The keystoneauth plug-in name, lower case: <c>password</c> (default), <c>v3password</c>, <c>token</c>,
    /// <c>v3token</c>, <c>v3applicationcredential</c>, <c>none</c> or <c>admin_token</c>.</summary>
    public string AuthType { get; init; } = "password";

    /// <summary>The <c>auth</c> section with canonical keys (aliases resolved, top-level auth keys moved in).
    /// Holds secrets: never print it.</summary>
    public IReadOnlyDictionary<string, string> Auth { get; init; } = EmptyMap;

    /// <summary>The region (<c>region_name</c>, else the first of <c>regions</c>), or null for any region.</summary>
    public string? RegionName { get; init; }

    /// <summary>Interfaces in order of preference, from <c>interface</c> (<c>publicURL</c> forms accepted); default <c>public</c>.</summary>
    public IReadOnlyList<string> Interfaces { get; init; } = ServiceFilter.DefaultInterfaces;

    /// <summary>Verify server certificates (<c>verify</c>; <c>insecure: true</c> turns it off).</summary>
    public bool Verify { get; init; } = true;

    /// <summary>A PEM bundle of CAs to trust (<c>cacert</c>), or null for the system store.</summary>
    public string? CaCert { get; init; }

    /// <summary>The client certificate, PEM (<c>cert</c>); with <see cref="Key"/>, or holding its key itself.</summary>
    public string? Cert { get; init; }

    /// <summary>The client certificate's private key file, PEM (<c>key</c>).</summary>
    public string? Key { get; init; }

    /// <summary>The clouds.yaml (or secure.yaml) the cloud came from, for messages; null for <c>OS_*</c> variables.</summary>
    public string? SourceFile { get; init; }

    /// <summary>Every other top-level scalar setting of the cloud (keys with <c>_</c>), such as
    /// <c>object_store_endpoint_override</c> or <c>identity_api_version</c>. Secret-looking keys are kept in <see cref="Auth"/> instead.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = EmptyMap;

    /// <summary>Problems worth logging that did not stop loading, e.g. a file holding credentials that group or others can read.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    internal bool FromEnvironment => Name is null && SourceFile is null;

    internal string Label => Name is null
        ? (SourceFile is null ? "the OS_* environment" : $"the cloud in {SourceFile}")
        : SourceFile is null ? $"cloud '{Name}'" : $"cloud '{Name}' in {SourceFile}";

    /// <summary>
    /// Loads a cloud. The cloud is <paramref name="cloud"/>, else <c>OS_CLOUD</c>; it is read from the first clouds.yaml
    /// found, deep-merged with the first secure.yaml found, and <c>OS_*</c> variables do not change it. When no cloud is
    /// named the configuration is built from the <c>OS_*</c> variables alone (an openrc file).
    /// </summary>
    /// <param name="cloud">The cloud's name in clouds.yaml; null for <c>OS_CLOUD</c> or the <c>OS_*</c> variables.</param>
    /// <param name="environment">The variables to read; null for the process environment.</param>
    /// <param name="searchPaths">The clouds.yaml candidates in order (a directory stands for its clouds.yaml/.yml/.json),
    /// replacing the default list; secure.yaml is then looked for in the same directories. Null for the default:
    /// <c>OS_CLIENT_CONFIG_FILE</c>, then <c>./</c>, <c>$XDG_CONFIG_HOME/openstack/</c>, <c>~/.config/openstack/</c> and
    /// <c>/etc/openstack/</c> (<c>clouds.yaml</c>, <c>.yml</c>, <c>.json</c>); secure.yaml likewise, after <c>OS_CLIENT_SECURE_FILE</c> (or <c>OS_SECURE_FILE</c>). With no cloud named and no <c>OS_*</c> credentials, a clouds.yaml holding exactly one cloud selects it.</param>
    /// <exception cref="CloudConfigException">No cloud selected, no clouds.yaml, an unknown cloud, invalid YAML,
    /// an unsupported auth type, or a missing key such as <c>auth_url</c> or <c>password</c>.</exception>
    public static CloudConfig Load(string? cloud = null, IReadOnlyDictionary<string, string?>? environment = null, IReadOnlyList<string>? searchPaths = null) =>
        CloudConfigLoader.Load(cloud, environment, searchPaths);

    /// <summary>
    /// The authenticator for this cloud: <see cref="KeystonePasswordAuthenticator"/>, <see cref="KeystoneTokenAuthenticator"/>,
    /// <see cref="KeystoneApplicationCredentialAuthenticator"/> or <see cref="StaticAuthenticator"/>.
    /// A project scope comes from <c>project_id</c>, or <c>project_name</c> in <c>project_domain_id/name</c> (else
    /// <c>domain_*</c>, the user's domain, <c>default_domain</c>, <c>Default</c>); otherwise <c>domain_id/name</c> request
    /// a domain scope; otherwise the token is unscoped. <c>auth_type: none</c> without a token sends the token <c>noauth</c>.
    /// </summary>
    /// <exception cref="CloudConfigException">A required key is missing, or the auth type or scope is not supported.</exception>
    public IAuthenticator CreateAuthenticator() => new AuthenticatorFactory(this).Create();

    /// <summary>A catalog filter for a service type with this cloud's interfaces and region, and its per-service
    /// <c>&lt;type&gt;_interface</c>, <c>_region_name</c>, <c>_service_name</c> and <c>_endpoint_override</c> settings.</summary>
    /// <param name="serviceType">The service type, e.g. <c>object-store</c>.</param>
    /// <exception cref="CloudConfigException">A per-service setting is invalid (e.g. a templated endpoint override).</exception>
    public ServiceFilter Filter(string serviceType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceType);
        var canonical = ServiceTypes.Canonical(serviceType).Replace('-', '_');
        var given = serviceType.Trim().ToLowerInvariant().Replace('-', '_');
        string[] prefixes = canonical == given ? [canonical] : [canonical, given];

        var filter = new ServiceFilter(serviceType) { Interfaces = Interfaces, Region = RegionName };
        if (ServiceOption(prefixes, "interface") is { } iface)
            filter = filter with { Interfaces = ParseInterfaces(iface.Value, Name, SourceFile, iface.Key) };
        if (ServiceOption(prefixes, "region_name") is { } region) filter = filter with { Region = region.Value };
        if (ServiceOption(prefixes, "service_name") is { } serviceName) filter = filter with { ServiceName = serviceName.Value };
        if (ServiceOption(prefixes, "endpoint_override") is { } endpoint)
        {
            if (endpoint.Value.Contains("%(", StringComparison.Ordinal) || endpoint.Value.Contains('{'))
                throw Error($"{endpoint.Key} of {Label} is a template (e.g. %(project_id)s), which is not supported; give the full url");
            if (!Uri.TryCreate(endpoint.Value.Trim(), UriKind.Absolute, out var uri) || !AuthenticatorFactory.IsHttp(uri))
                throw Error($"{endpoint.Key} of {Label} is not an absolute http(s) url");
            filter = filter with { EndpointOverride = uri };
        }
        return filter;
    }

    /// <summary>These settings with <see cref="Verify"/>, <see cref="CaCert"/>, <see cref="Cert"/> and <see cref="Key"/> applied to
    /// <see cref="SessionSettings.Transport"/> (an unset <c>cacert</c> or <c>cert</c> keeps the settings' own).</summary>
    public SessionSettings ApplyTo(SessionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings with
        {
            Transport = settings.Transport with
            {
                VerifyTls = Verify,
                CaFile = CaCert ?? settings.Transport.CaFile,
                ClientCertFile = Cert ?? settings.Transport.ClientCertFile,
                ClientKeyFile = Cert is null ? settings.Transport.ClientKeyFile : Key,
            },
        };
    }

    /// <summary>The cloud, auth type, auth url, user, scope, region and interfaces — never a password, token or secret.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        var auth = new AuthenticatorFactory(this);
        if (Get("auth_url") is { } authUrl) parts.Add($"auth_url {SafeUrl(authUrl)}");
        if (Get("endpoint") is { } endpoint) parts.Add($"endpoint {SafeUrl(endpoint)}");
        if (Get("application_credential_id") is { } acId) parts.Add($"application credential {acId}");
        else if (Get("application_credential_name") is { } acName) parts.Add($"application credential {acName}");
        if (Get("user_id") is { } userId) parts.Add($"user id {userId}");
        else if (Get("username") is { } userName) parts.Add($"user {userName} in domain {AuthenticatorFactory.DescribeDomain(auth.UserDomain())}");
        if (Get("project_id") is { } projectId) parts.Add($"project id {projectId}");
        else if (Get("project_name") is { } projectName) parts.Add($"project {projectName} in domain {AuthenticatorFactory.DescribeDomain(auth.ProjectDomain())}");
        else if ((Get("domain_id") ?? Get("domain_name")) is { } domain) parts.Add($"domain {domain}");
        if (RegionName is not null) parts.Add($"region {RegionName}");
        parts.Add($"interface {string.Join("|", Interfaces)}");
        if (!Verify) parts.Add("insecure");
        if (CaCert is not null) parts.Add($"cacert {CaCert}");
        if (SourceFile is not null) parts.Add($"from {SourceFile}");
        var who = Name is null ? (SourceFile is null ? "from OS_* environment" : "(unnamed)") : $"'{Name}'";
        return $"CloudConfig {who} ({AuthType}: {string.Join(", ", parts)})";
    }

    // ---- security ----

    internal static string SafeUrl(string text) =>
        Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) ? Redaction.Url(uri) : "(not a valid url)";

    internal string? Get(string key) => Auth.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;

    private (string Key, string Value)? ServiceOption(string[] prefixes, string suffix)
    {
        foreach (var p in prefixes)
            if (Options.TryGetValue($"{p}_{suffix}", out var v) && NonEmpty(v) is { } value)
                return (KeyName($"{p}_{suffix}"), value);
        return null;
    }

    internal string KeyName(string key) => FromEnvironment ? "OS_" + key.ToUpperInvariant() : key;

    internal CloudConfigException Missing(string key, string why = "")
    {
        var message = FromEnvironment
            ? $"{KeyName(key)} is not set{why}: no cloud was named (argument or OS_CLOUD), so the configuration comes from the OS_* environment variables"
            : $"{Label} has no '{key}' in its auth section{why}{(IsSecretKey(key) ? " (looked for in clouds.yaml and secure.yaml)" : "")}";
        return Error(message);
    }

    internal CloudConfigException Error(string message) =>
        new(message.StartsWith("cloud ", StringComparison.Ordinal) || message.StartsWith("the ", StringComparison.Ordinal)
            ? char.ToUpperInvariant(message[0]) + message[1..] : message, Name, Files(SourceFile));

    internal static IReadOnlyList<string> ParseInterfaces(object? raw, string? name, string? source, string key)
    {
        IEnumerable<string?> items = raw switch
        {
            string s => s.Split(','),
            List<object?> list => list.Select(i => i as string),
            _ => throw new CloudConfigException($"{key} of {Describe(name, source)} is neither a string nor a list", name, Files(source)),
        };
        var result = new List<string>();
        foreach (var item in items)
        {
            if (NonEmpty(item) is not { } text) continue;
            var i = text.Trim().ToLowerInvariant();
            if (i.EndsWith("url", StringComparison.Ordinal)) i = i[..^3];
            if (!KnownInterfaces.Contains(i))
                throw new CloudConfigException($"{key} of {Describe(name, source)} names an unknown interface '{text.Trim()}'; use public, internal or admin", name, Files(source));
            if (!result.Contains(i)) result.Add(i);
        }
        return result.Count == 0 ? ServiceFilter.DefaultInterfaces : result;
    }

    internal static string Describe(string? name, string? source) => new CloudConfig { Name = name, SourceFile = source }.Label;

    internal static IReadOnlyList<string> Files(string? source) => source is null ? [] : [source];

}
