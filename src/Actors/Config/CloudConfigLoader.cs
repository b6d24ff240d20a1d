using System.Globalization;
using OpenStack.Actors.Catalog;
using static OpenStack.Actors.Config.CloudConfig;
using static OpenStack.Actors.Config.CloudConfigFiles;
using static OpenStack.Actors.Config.CloudYaml;
using static OpenStack.Actors.Config.ConfigEnvironment;

namespace OpenStack.Actors.Config;

/// <summary>Turns configuration into a <see cref="CloudConfig"/>: selects the cloud (a name, <c>OS_CLOUD</c>, the only
/// cloud, or the <c>OS_*</c> variables), reads and merges its clouds.yaml and secure.yaml entries (<see cref="CloudYaml"/>,
/// found by <see cref="CloudConfigFiles"/>), and normalises aliases and spellings as openstacksdk does.</summary>
internal static class CloudConfigLoader
{
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
    public static CloudConfig Load(string? cloud = null, IReadOnlyDictionary<string, string?>? environment = null, IReadOnlyList<string>? searchPaths = null)
    {
        var env = environment ?? ProcessEnvironment();
        var name = NonEmpty(cloud);
        var viaOsCloud = false;
        if (name is null && NonEmpty(Lookup(env, "OS_CLOUD")) is { } osCloud)
        {
            name = osCloud;
            viaOsCloud = true;
        }
        var (cloudFiles, secureFiles) = Candidates(env, searchPaths);
        var cloudFile = cloudFiles.FirstOrDefault(File.Exists);

        if (name is null)
        {
            var fromEnv = EnvironmentEntry(env);
            if (fromEnv.Count > 0) return Build(null, fromEnv, null, [], env);
            // As openstacksdk does: a clouds.yaml with exactly one cloud needs no name.
            if (cloudFile is not null && CloudNames(ReadYaml(cloudFile, null)).ToList() is [var only]) return Load(only, env, searchPaths);
            var hint = cloudFile is null
                ? $"no clouds.yaml was found either (searched {string.Join(", ", cloudFiles)})"
                : $"{cloudFile} defines: {DescribeNames(CloudNames(ReadYaml(cloudFile, null)))}";
            throw new CloudConfigException(
                $"No cloud selected: pass a cloud name, set OS_CLOUD, or set OS_AUTH_URL and the other OS_* variables; {hint}",
                null, cloudFile is null ? cloudFiles : [cloudFile]);
        }

        var requested = viaOsCloud ? $"Cloud '{name}' (from OS_CLOUD)" : $"Cloud '{name}'";
        var secureFile = secureFiles.FirstOrDefault(File.Exists);
        if (cloudFile is null && secureFile is null)
        {
            throw new CloudConfigException(
                $"{requested} was requested but no clouds.yaml was found; searched: {string.Join(", ", cloudFiles)}", name, cloudFiles);
        }

        var warnings = new List<string>();
        Dictionary<string, object?>? entry = null;
        var cloudNames = new List<string>();
        if (cloudFile is not null)
        {
            var root = ReadYaml(cloudFile, name);
            CheckPermissions(cloudFile, root, warnings);
            cloudNames.AddRange(CloudNames(root));
            entry = CloudEntry(root, name, cloudFile);
        }
        if (secureFile is not null)
        {
            var root = ReadYaml(secureFile, name);
            CheckPermissions(secureFile, root, warnings);
            if (CloudEntry(root, name, secureFile) is { } secure) entry = entry is null ? secure : DeepMerge(entry, secure);
        }
        var source = cloudFile ?? secureFile!;
        if (entry is null)
        {
            var files = cloudFile is null ? $"the secure file {secureFile} (no clouds.yaml found)" : cloudFile;
            throw new CloudConfigException(
                $"{requested} is not defined in {files}; defined clouds: {DescribeNames(cloudNames)}",
                name, new[] { cloudFile, secureFile }.OfType<string>().ToList());
        }
        return Build(name, entry, source, warnings, env);
    }

    /// <summary>Canonical auth keys and their aliases, canonical spelling first.</summary>
    private static readonly (string Key, string[] Names)[] AuthKeys =
    [
        ("auth_url", ["auth_url"]),
        ("username", ["username", "user_name"]),
        ("user_id", ["user_id"]),
        ("password", ["password"]),
        ("project_id", ["project_id", "tenant_id"]),
        ("project_name", ["project_name", "tenant_name"]),
        ("user_domain_id", ["user_domain_id"]),
        ("user_domain_name", ["user_domain_name"]),
        ("project_domain_id", ["project_domain_id"]),
        ("project_domain_name", ["project_domain_name"]),
        ("domain_id", ["domain_id"]),
        ("domain_name", ["domain_name"]),
        ("default_domain_id", ["default_domain_id", "default_domain"]),
        ("default_domain_name", ["default_domain_name"]),
        ("token", ["token", "auth_token"]),
        ("application_credential_id", ["application_credential_id"]),
        ("application_credential_name", ["application_credential_name"]),
        ("application_credential_secret", ["application_credential_secret"]),
        ("endpoint", ["endpoint"]),
        ("system_scope", ["system_scope"]),
        ("trust_id", ["trust_id"]),
    ];

    /// <summary>Environment variables that select configuration rather than configure a cloud.</summary>
    private static readonly HashSet<string> ControlVariables = new(StringComparer.OrdinalIgnoreCase)
    {
        "OS_CLOUD", "OS_CLIENT_CONFIG_FILE", "OS_CLIENT_SECURE_FILE", "OS_SECURE_FILE",
    };

    private static CloudConfig Build(string? name, Dictionary<string, object?> entry, string? source, List<string> warnings, IReadOnlyDictionary<string, string?> env)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var auth = new Dictionary<string, string>(StringComparer.Ordinal);
        object? interfaceRaw = null;
        object? regionsRaw = null;
        foreach (var (key, value) in entry)
        {
            switch (key)
            {
                case "auth":
                    if (value is Dictionary<string, object?> section)
                    {
                        foreach (var (k, v) in section)
                            if (NonEmpty(v as string) is { } s) auth[k] = s;
                    }
                    else if (value is not null)
                        throw new CloudConfigException($"The auth section of {Describe(name, source)} is not a mapping", name, Files(source));
                    break;
                case "interface": interfaceRaw = value; break;
                case "endpoint_type": interfaceRaw ??= value; break;
                case "regions": regionsRaw = value; break;
                default:
                    if (NonEmpty(value as string) is { } scalar) options[key] = scalar;
                    break;
            }
        }
        if (options.Remove("auth_plugin", out var plugin)) options.TryAdd("auth_type", plugin);

        // Canonical auth keys: the auth section first, then the top level (openrc variables arrive there).
        foreach (var (canonical, names) in AuthKeys)
        {
            string? found = null;
            foreach (var n in names)
                if (found is null && auth.TryGetValue(n, out var v)) found = v;
            foreach (var n in names)
                if (found is null && options.TryGetValue(n, out var v)) found = v;
            foreach (var n in names)
            {
                auth.Remove(n);
                options.Remove(n);
            }
            if (found is not null) auth[canonical] = found;
        }
        foreach (var key in options.Keys.Where(IsSecretKey).ToList())
        {
            auth.TryAdd(key, options[key]);
            options.Remove(key);
        }

        var authType = options.Remove("auth_type", out var explicitType)
            ? explicitType.Trim().ToLowerInvariant()
            : auth.ContainsKey("application_credential_secret") || auth.ContainsKey("application_credential_id") ? "v3applicationcredential"
            : auth.ContainsKey("token") && !auth.ContainsKey("password") ? "v3token"
            : "password";

        var verify = true;
        if (options.TryGetValue("verify", out var verifyText)) verify = ParseBool(verifyText, "verify", name, source);
        if (options.TryGetValue("insecure", out var insecureText)) verify = !ParseBool(insecureText, "insecure", name, source);

        var region = options.GetValueOrDefault("region_name") ?? FirstRegion(regionsRaw);
        var interfaces = interfaceRaw is null ? ServiceFilter.DefaultInterfaces : ParseInterfaces(interfaceRaw, name, source, "interface");

        if (NonEmpty(options.GetValueOrDefault("profile")) is { } profile)
            warnings.Add($"{Describe(name, source)} uses profile '{profile}': vendor profiles are not supported, so its defaults (such as auth_url) are not applied");
        var cert = ExpandHome(options.GetValueOrDefault("cert"), env);
        var key2 = ExpandHome(options.GetValueOrDefault("key"), env);
        if (cert is null && key2 is not null)
            warnings.Add($"{Describe(name, source)} sets a client certificate key without 'cert'; it is ignored");

        var config = new CloudConfig
        {
            Name = name,
            AuthType = authType,
            Auth = auth,
            RegionName = region,
            Interfaces = interfaces,
            Verify = verify,
            CaCert = ExpandHome(options.GetValueOrDefault("cacert"), env),
            Cert = cert,
            Key = key2,
            SourceFile = source,
            Options = options,
            Warnings = warnings,
        };
        // The auth section is checked now, so a missing key fails the load and not the first request.
        _ = new AuthenticatorFactory(config).Create();
        return config;
    }

    private static Dictionary<string, object?> EnvironmentEntry(IReadOnlyDictionary<string, string?> env)
    {
        var entry = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in env)
        {
            if (name.Length <= 3 || !name.StartsWith("OS_", StringComparison.OrdinalIgnoreCase) || ControlVariables.Contains(name)) continue;
            if (NonEmpty(value) is { } v) entry[name[3..].ToLowerInvariant()] = v;
        }
        return entry;
    }

    private static string? FirstRegion(object? regions) => regions switch
    {
        List<object?> list when list.Count > 0 => list[0] switch
        {
            string s => NonEmpty(s),
            Dictionary<string, object?> r => NonEmpty(r.GetValueOrDefault("name") as string),
            _ => null,
        },
        string s => NonEmpty(s),
        _ => null,
    };

    private static bool ParseBool(string text, string key, string? name, string? source) =>
        text.Trim().ToLowerInvariant() switch
        {
            "true" or "yes" or "y" or "on" or "1" => true,
            "false" or "no" or "n" or "off" or "0" => false,
            _ => throw new CloudConfigException(
                $"{(name is null && source is null ? "OS_" + key.ToUpperInvariant() : key)} of {Describe(name, source)} is not a boolean (true or false)", name, Files(source)),
        };

    private static string DescribeNames(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list);
    }
}
