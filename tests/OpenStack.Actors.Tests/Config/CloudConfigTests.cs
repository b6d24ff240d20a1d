using OpenStack.Actors.Auth;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using Xunit;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.Config;

public sealed class CloudConfigTests : IDisposable
{
    private const string Password = "s3cr3t-P4ss-xyzzy";
    private const string AppSecret = "appcred-SECRET-plugh";
    private const string Token = "gAAAA-token-frobozz";

    private readonly string _dir = Directory.CreateTempSubdirectory("cloudconfig-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string yaml, bool privateMode = false)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, yaml);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, privateMode
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        return path;
    }

    private static Dictionary<string, string?> Env(params (string Key, string? Value)[] vars) =>
        vars.ToDictionary(v => v.Key, v => v.Value);

    private CloudConfig Load(string? cloud, string cloudsYaml, Dictionary<string, string?>? env = null)
    {
        var path = Write("clouds.yaml", cloudsYaml, privateMode: true);
        return CloudConfig.Load(cloud, env ?? Env(), [path]);
    }

    private CloudConfigException LoadFails(string? cloud, string cloudsYaml, Dictionary<string, string?>? env = null) =>
        Assert.Throws<CloudConfigException>(() => Load(cloud, cloudsYaml, env));

    private const string DemoClouds = $"""
        clouds:
          demo:
            auth:
              auth_url: https://keystone.example.com:5000
              username: alice
              password: {Password}
              project_name: demo
              user_domain_name: Users
              project_domain_id: proj-domain-id
            region_name: RegionTwo
            interface: internal
          other:
            auth:
              auth_url: https://other.example.com/v3
              username: bob
              password: {Password}
        """;

    [Fact]
    public void Password_cloud_gives_a_password_authenticator_with_user_domain_and_project_scope()
    {
        var config = Load("demo", DemoClouds);

        Assert.Equal("demo", config.Name);
        Assert.Equal("password", config.AuthType);
        Assert.Equal(Path.Combine(_dir, "clouds.yaml"), config.SourceFile);
        var auth = Assert.IsType<KeystonePasswordAuthenticator>(config.CreateAuthenticator());
        Assert.Equal(new Uri("https://keystone.example.com:5000/v3"), auth.AuthUrl);
        Assert.Equal("alice", auth.UserName);
        Assert.Null(auth.UserId);
        Assert.Equal("Users", auth.UserDomainName);
        Assert.Null(auth.UserDomainId);
        Assert.Equal(AuthScope.ProjectName("demo", null, "proj-domain-id"), auth.Scope);
        Assert.Equal("password for user alice in domain Users, project demo in domain proj-domain-id", auth.Description);
    }

    [Fact]
    public void Project_domain_falls_back_to_the_user_domain_then_Default()
    {
        var withUserDomain = Load("c", """
            clouds:
              c:
                auth: { auth_url: "http://k:5000/v3", username: u, password: p, project_name: proj, user_domain_id: ud-id }
            """);
        var a = Assert.IsType<KeystonePasswordAuthenticator>(withUserDomain.CreateAuthenticator());
        Assert.Equal("ud-id", a.UserDomainId);
        Assert.Equal(AuthScope.ProjectName("proj", null, "ud-id"), a.Scope);

        var bare = Load("c", """
            clouds:
              c:
                auth: { auth_url: "http://k:5000/v3", username: u, password: p, project_name: proj }
            """);
        var b = Assert.IsType<KeystonePasswordAuthenticator>(bare.CreateAuthenticator());
        Assert.Equal("Default", b.UserDomainName);
        Assert.Equal(AuthScope.ProjectName("proj", "Default"), b.Scope);
    }

    [Fact]
    public void Default_domain_and_domain_keys_serve_as_user_and_project_domains()
    {
        var config = Load("c", """
            clouds:
              c:
                auth: { auth_url: "http://k:5000", username: u, password: p, project_name: proj, default_domain: dflt }
            """);
        var a = Assert.IsType<KeystonePasswordAuthenticator>(config.CreateAuthenticator());
        Assert.Equal("dflt", a.UserDomainId);
        Assert.Equal(AuthScope.ProjectName("proj", null, "dflt"), a.Scope);

        // openstacksdk: domain_name of a project-scoped cloud is the default of both domains, not a domain scope
        var domainAsDefault = Load("c", """
            clouds:
              c:
                auth: { auth_url: "http://k:5000", username: u, password: p, project_name: proj, domain_name: Corp }
            """);
        var b = Assert.IsType<KeystonePasswordAuthenticator>(domainAsDefault.CreateAuthenticator());
        Assert.Equal("Corp", b.UserDomainName);
        Assert.Equal(AuthScope.ProjectName("proj", "Corp"), b.Scope);
    }

    [Fact]
    public void Domain_without_project_is_a_domain_scope_and_nothing_is_unscoped()
    {
        var domain = Load("c", """
            clouds:
              c:
                auth: { auth_url: "http://k:5000", user_id: uid, password: p, domain_name: Corp }
            """);
        var a = Assert.IsType<KeystonePasswordAuthenticator>(domain.CreateAuthenticator());
        Assert.Equal("uid", a.UserId);
        Assert.Equal(AuthScope.Domain(name: "Corp"), a.Scope);
        Assert.Equal("password for user uid, domain Corp", a.Description);

        var unscoped = Load("c", """
            clouds:
              c:
                auth: { auth_url: "http://k:5000", username: u, password: p }
            """);
        Assert.Equal(AuthScope.Unscoped, Assert.IsType<KeystonePasswordAuthenticator>(unscoped.CreateAuthenticator()).Scope);
    }

    [Fact]
    public void Legacy_and_hyphenated_keys_are_understood()
    {
        var config = Load("c", """
            clouds:
              c:
                auth-type: v3password
                auth:
                  auth-url: http://k:5000/v2.0
                  username: u
                  password: p
                  tenant-name: legacy
                  project-domain-name: PD
                endpoint_type: adminURL
            """);
        Assert.Equal("v3password", config.AuthType);
        Assert.Equal("legacy", config.Auth["project_name"]);
        Assert.Equal(["admin"], config.Interfaces);
        var a = Assert.IsType<KeystonePasswordAuthenticator>(config.CreateAuthenticator());
        Assert.Equal(new Uri("http://k:5000/v3"), a.AuthUrl);
        Assert.Equal(AuthScope.ProjectName("legacy", "PD"), a.Scope);
    }

    [Fact]
    public void Application_credential_by_id()
    {
        var explicitType = Load("ac", $"""
            clouds:
              ac:
                auth_type: v3applicationcredential
                auth:
                  auth_url: http://k:5000/v3
                  application_credential_id: 9cbfe573
                  application_credential_secret: {AppSecret}
            """);
        var a = Assert.IsType<KeystoneApplicationCredentialAuthenticator>(explicitType.CreateAuthenticator());
        Assert.Equal("9cbfe573", a.Id);
        Assert.Equal("application credential 9cbfe573", a.Description);
        Assert.DoesNotContain(AppSecret, explicitType.ToString());

        var inferred = Load("ac", $"""
            clouds:
              ac:
                auth: {"{"} auth_url: "http://k:5000", application_credential_id: 9cbfe573, application_credential_secret: {AppSecret} {"}"}
            """);
        Assert.Equal("v3applicationcredential", inferred.AuthType);
        Assert.IsType<KeystoneApplicationCredentialAuthenticator>(inferred.CreateAuthenticator());
    }

    [Fact]
    public void Token_and_none_auth_types()
    {
        var token = Load("t", $"""
            clouds:
              t:
                auth: {"{"} auth_url: "http://k:5000", token: {Token}, project_id: pid {"}"}
            """);
        Assert.Equal("v3token", token.AuthType);
        var a = Assert.IsType<KeystoneTokenAuthenticator>(token.CreateAuthenticator());
        Assert.Equal(AuthScope.ProjectId("pid"), a.Scope);
        Assert.DoesNotContain(Token, token.ToString());

        var none = Load("n", """
            clouds:
              n:
                auth_type: none
                auth: { endpoint: "http://swift.local:8080/v1/AUTH_test" }
            """);
        var s = Assert.IsType<StaticAuthenticator>(none.CreateAuthenticator());
        Assert.Equal(new Uri("http://swift.local:8080/v1/AUTH_test"), s.Endpoint);
    }

    [Fact]
    public void Secure_yaml_is_deep_merged_and_supplies_the_password()
    {
        var clouds = Write("clouds.yaml", """
            clouds:
              demo:
                auth:
                  auth_url: http://k:5000/v3
                  username: alice
                  project_name: demo
                region_name: RegionOne
            """, privateMode: true);
        Write("secure.yaml", $"""
            clouds:
              demo:
                auth:
                  password: {Password}
            """, privateMode: true);

        var config = CloudConfig.Load("demo", Env(), [clouds]);

        Assert.Equal(Password, config.Auth["password"]);
        Assert.Equal("alice", config.Auth["username"]);
        Assert.Equal("RegionOne", config.RegionName);
        Assert.Empty(config.Warnings);
        Assert.IsType<KeystonePasswordAuthenticator>(config.CreateAuthenticator());
        Assert.DoesNotContain(Password, config.ToString());
    }

    [Fact]
    public void Environment_only_builds_password_auth_from_OS_variables()
    {
        var env = Env(
            ("OS_AUTH_URL", "https://keystone.example.com/identity"),
            ("OS_USERNAME", "carol"),
            ("OS_PASSWORD", Password),
            ("OS_TENANT_NAME", "ops"),
            ("OS_USER_DOMAIN_NAME", "Staff"),
            ("OS_PROJECT_DOMAIN_ID", "default"),
            ("OS_REGION_NAME", "RegionOne"),
            ("OS_INTERFACE", "internalURL"),
            ("OS_INSECURE", "true"),
            ("OS_CACERT", "/etc/ssl/ca.pem"),
            ("OS_PROJECT_ID", ""),
            ("PATH", "/usr/bin"));

        var config = CloudConfig.Load(environment: env, searchPaths: [Path.Combine(_dir, "missing.yaml")]);

        Assert.Null(config.Name);
        Assert.Null(config.SourceFile);
        Assert.Equal("password", config.AuthType);
        Assert.Equal("RegionOne", config.RegionName);
        Assert.Equal(["internal"], config.Interfaces);
        Assert.False(config.Verify);
        Assert.Equal("/etc/ssl/ca.pem", config.CaCert);
        var a = Assert.IsType<KeystonePasswordAuthenticator>(config.CreateAuthenticator());
        Assert.Equal(new Uri("https://keystone.example.com/identity/v3"), a.AuthUrl);
        Assert.Equal("carol", a.UserName);
        Assert.Equal("Staff", a.UserDomainName);
        Assert.Equal(AuthScope.ProjectName("ops", null, "default"), a.Scope);
        Assert.DoesNotContain(Password, config.ToString());
    }

    [Fact]
    public void Environment_only_with_an_application_credential_and_a_missing_auth_url()
    {
        var config = CloudConfig.Load(environment: Env(
            ("OS_AUTH_TYPE", "v3applicationcredential"),
            ("OS_AUTH_URL", "http://k:5000/v3"),
            ("OS_APPLICATION_CREDENTIAL_ID", "acid"),
            ("OS_APPLICATION_CREDENTIAL_SECRET", AppSecret)), searchPaths: []);
        Assert.Equal("acid", Assert.IsType<KeystoneApplicationCredentialAuthenticator>(config.CreateAuthenticator()).Id);

        var ex = Assert.Throws<CloudConfigException>(() => CloudConfig.Load(environment: Env(
            ("OS_USERNAME", "u"), ("OS_PASSWORD", Password)), searchPaths: []));
        Assert.Contains("OS_AUTH_URL", ex.Message);
        Assert.DoesNotContain(Password, ex.ToString());
    }

    [Fact]
    public void OS_CLOUD_selects_the_cloud_and_other_OS_variables_do_not_override_it()
    {
        var env = Env(("OS_CLOUD", "other"), ("OS_USERNAME", "mallory"), ("OS_AUTH_URL", "http://evil:5000"), ("OS_REGION_NAME", "Elsewhere"));

        var config = Load(null, DemoClouds, env);

        Assert.Equal("other", config.Name);
        var a = Assert.IsType<KeystonePasswordAuthenticator>(config.CreateAuthenticator());
        Assert.Equal("bob", a.UserName);
        Assert.Equal(new Uri("https://other.example.com/v3"), a.AuthUrl);
        Assert.Null(config.RegionName);

        Assert.Equal("demo", CloudConfig.Load("demo", env, [Path.Combine(_dir, "clouds.yaml")]).Name);
    }

    [Fact]
    public void OS_CLIENT_CONFIG_FILE_and_OS_SECURE_FILE_come_first_in_the_default_search()
    {
        var clouds = Write("my-clouds.yaml", """
            clouds:
              x:
                auth: { auth_url: "http://k:5000", username: u, project_name: p }
            """, privateMode: true);
        var secure = Write("my-secure.yaml", $"clouds: {{ x: {{ auth: {{ password: {Password} }} }} }}", privateMode: true);

        var config = CloudConfig.Load("x", Env(("OS_CLIENT_CONFIG_FILE", clouds), ("OS_SECURE_FILE", secure), ("HOME", _dir)));

        Assert.Equal(clouds, config.SourceFile);
        Assert.Equal(Password, config.Auth["password"]);
    }

    [Fact]
    public void OS_CLIENT_SECURE_FILE_names_the_secure_file_as_in_openstacksdk()
    {
        var clouds = Write("my-clouds.yaml", """
            clouds:
              x:
                auth: { auth_url: "http://k:5000", username: u, project_name: p }
            """, privateMode: true);
        var secure = Write("sdk-secure.yaml", $"clouds: {{ x: {{ auth: {{ password: {Password} }} }} }}", privateMode: true);

        var config = CloudConfig.Load("x", Env(("OS_CLIENT_CONFIG_FILE", clouds), ("OS_CLIENT_SECURE_FILE", secure), ("HOME", _dir)));

        Assert.Equal(Password, config.Auth["password"]);
    }

    [Fact]
    public void A_clouds_yaml_with_one_cloud_needs_no_name_and_one_with_two_does()
    {
        var one = Write("one.yaml", """
            clouds:
              only:
                auth: { auth_url: "http://k:5000", username: u, password: pw, project_name: p }
            """, privateMode: true);
        Assert.Equal("only", CloudConfig.Load(null, Env(("OS_CLIENT_CONFIG_FILE", one), ("HOME", _dir))).Name);

        var two = Write("two.yaml", DemoClouds, privateMode: true);
        var ex = Assert.Throws<CloudConfigException>(() => CloudConfig.Load(null, Env(("OS_CLIENT_CONFIG_FILE", two), ("HOME", _dir))));
        Assert.Contains("No cloud selected", ex.Message);
        Assert.Contains("demo, other", ex.Message);
    }

    [Fact]
    public void Unknown_cloud_names_the_cloud_and_the_file()
    {
        var ex = LoadFails("nope", DemoClouds);

        Assert.Contains("'nope'", ex.Message);
        Assert.Contains(Path.Combine(_dir, "clouds.yaml"), ex.Message);
        Assert.Contains("demo, other", ex.Message);
        Assert.Equal("nope", ex.Cloud);
        Assert.DoesNotContain(Password, ex.ToString());
        Assert.IsAssignableFrom<OpenStackException>(ex);

        var viaEnv = LoadFails(null, DemoClouds, Env(("OS_CLOUD", "nope")));
        Assert.Contains("OS_CLOUD", viaEnv.Message);
    }

    [Fact]
    public void No_clouds_yaml_found_lists_the_files_searched()
    {
        var missing = Path.Combine(_dir, "nowhere", "clouds.yaml");
        var ex = Assert.Throws<CloudConfigException>(() => CloudConfig.Load("demo", Env(), [missing]));
        Assert.Contains("'demo'", ex.Message);
        Assert.Contains(missing, ex.Message);
        Assert.Equal([missing], ex.Files);

        var none = Assert.Throws<CloudConfigException>(() => CloudConfig.Load(null, Env(("PATH", "/bin")), [missing]));
        Assert.Contains("OS_CLOUD", none.Message);
    }

    [Fact]
    public void Missing_auth_url_and_missing_password_name_the_key_without_secrets()
    {
        var noUrl = LoadFails("c", $"""
            clouds:
              c:
                auth: {"{"} username: u, password: {Password}, project_name: p {"}"}
            """);
        Assert.Contains("auth_url", noUrl.Message);
        Assert.Contains("'c'", noUrl.Message);
        Assert.Contains(Path.Combine(_dir, "clouds.yaml"), noUrl.Message);
        Assert.DoesNotContain(Password, noUrl.ToString());

        var noPassword = LoadFails("c", """
            clouds:
              c:
                auth: { auth_url: "http://k:5000", username: u }
            """);
        Assert.Contains("password", noPassword.Message);

        var noUser = LoadFails("c", $"""
            clouds:
              c:
                auth: {"{"} auth_url: "http://k:5000", password: {Password} {"}"}
            """);
        Assert.Contains("username", noUser.Message);
        Assert.DoesNotContain(Password, noUser.ToString());

        var noSecret = LoadFails("c", """
            clouds:
              c:
                auth_type: v3applicationcredential
                auth: { auth_url: "http://k:5000", application_credential_id: x }
            """);
        Assert.Contains("application_credential_secret", noSecret.Message);
    }

    [Fact]
    public void A_flow_collection_left_open_is_invalid_yaml_named_with_its_file_not_a_crash()
    {
        // YamlDotNet's scanner throws InvalidOperationException (no position) for this one.
        var bad = LoadFails("b", """
            clouds:
              a: &x {auth: [
              b:
                <<: *x
            """);
        Assert.Contains(Path.Combine(_dir, "clouds.yaml"), bad.Message);
        Assert.Contains("is not valid YAML", bad.Message);
        Assert.Contains("unclosed", bad.Message);
        Assert.DoesNotContain("current state of the object", bad.Message);
    }

    [Fact]
    public void Invalid_yaml_and_unsupported_auth_types_fail_without_secrets()
    {
        var bad = LoadFails("c", $"""
            clouds:
              c:
                auth:
                  password: "{Password}
                  username: u
            """);
        Assert.Contains(Path.Combine(_dir, "clouds.yaml"), bad.Message);
        Assert.Contains("not valid YAML", bad.Message);
        Assert.DoesNotContain(Password, bad.ToString());

        var oidc = LoadFails("c", $"""
            clouds:
              c:
                auth_type: v3oidcpassword
                auth: {"{"} auth_url: "http://k:5000", username: u, password: {Password} {"}"}
            """);
        Assert.Contains("v3oidcpassword", oidc.Message);
        Assert.DoesNotContain(Password, oidc.ToString());
    }

    [Fact]
    public void ToString_describes_the_cloud_without_secrets()
    {
        var text = Load("demo", DemoClouds).ToString();

        Assert.Contains("demo", text);
        Assert.Contains("password", text); // the auth type, not the value
        Assert.Contains("https://keystone.example.com:5000", text);
        Assert.Contains("alice", text);
        Assert.Contains("RegionTwo", text);
        Assert.DoesNotContain(Password, text);
    }

    [Fact]
    public void Filter_applies_interface_region_and_per_service_settings()
    {
        var config = Load("demo", DemoClouds);

        var filter = config.Filter("object-store");
        Assert.Equal("object-store", filter.ServiceType);
        Assert.Equal(["internal"], filter.Interfaces);
        Assert.Equal("RegionTwo", filter.Region);
        Assert.Null(filter.EndpointOverride);

        var perService = Load("c", """
            clouds:
              c:
                auth: { auth_url: "http://k:5000", username: u, password: p }
                regions: [RegionA, RegionB]
                interface: [internal, public]
                object_store_endpoint_override: http://swift.local:8080/v1/AUTH_x
                object_store_interface: admin
                block_storage_region_name: RegionB
                image_endpoint_override: "http://glance/%(project_id)s"
            """);
        Assert.Equal("RegionA", perService.RegionName);
        Assert.Equal(["internal", "public"], perService.Interfaces);
        var swift = perService.Filter("object_store");
        Assert.Equal(new Uri("http://swift.local:8080/v1/AUTH_x"), swift.EndpointOverride);
        Assert.Equal(["admin"], swift.Interfaces);
        Assert.Equal("RegionB", perService.Filter("volumev3").Region);
        Assert.Equal("RegionA", perService.Filter("compute").Region);
        var templated = Assert.Throws<CloudConfigException>(() => perService.Filter("image"));
        Assert.Contains("image_endpoint_override", templated.Message);
    }

    [Fact]
    public void Verify_false_and_cacert_are_applied_to_the_transport_settings()
    {
        var config = Load("c", """
            clouds:
              c:
                auth: { auth_url: "https://k:5000", username: u, password: p }
                verify: false
                cacert: /etc/pki/cloud-ca.pem
            """);
        Assert.False(config.Verify);
        Assert.Equal("/etc/pki/cloud-ca.pem", config.CaCert);

        var settings = config.ApplyTo(SessionSettings.Default with { MaxAttempts = 3 });

        Assert.False(settings.Transport.VerifyTls);
        Assert.Equal("/etc/pki/cloud-ca.pem", settings.Transport.CaFile);
        Assert.Equal(3, settings.MaxAttempts);

        var defaults = Load("demo", DemoClouds).ApplyTo(SessionSettings.Default);
        Assert.True(defaults.Transport.VerifyTls);
        Assert.Null(defaults.Transport.CaFile);
    }

    [Fact]
    public void A_client_certificate_and_key_reach_the_shared_handler()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=client", rsa,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Write("client.pem", cert.ExportCertificatePem());
        var keyPath = Write("client.key", rsa.ExportPkcs8PrivateKeyPem());
        var config = Load("c", $$"""
            clouds:
              c:
                auth: { auth_url: "https://k:5000", username: u, password: p }
                cert: {{certPath}}
                key: {{keyPath}}
            """);
        Assert.DoesNotContain(config.Warnings, w => w.Contains("certificate"));

        var settings = config.ApplyTo(SessionSettings.Default);
        using var handler = OpenStack.Actors.Transport.HttpHandlerFactory.Create(settings.Transport, Akka.Event.NoLogger.Instance);

        Assert.Equal(certPath, settings.Transport.ClientCertFile);
        Assert.Equal(keyPath, settings.Transport.ClientKeyFile);
        var sent = Assert.IsType<System.Security.Cryptography.X509Certificates.X509Certificate2>(Assert.Single(handler.SslOptions.ClientCertificates!));
        Assert.True(sent.HasPrivateKey);
        Assert.Equal(cert.Thumbprint, sent.Thumbprint);
    }

    [Fact]
    public void A_readable_file_holding_secrets_gives_a_warning_naming_it()
    {
        if (OperatingSystem.IsWindows()) return;
        var path = Write("clouds.yaml", DemoClouds, privateMode: false);

        var config = CloudConfig.Load("demo", Env(), [path]);

        var warning = Assert.Single(config.Warnings);
        Assert.Contains(path, warning);
        Assert.DoesNotContain(Password, warning);

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Empty(CloudConfig.Load("demo", Env(), [path]).Warnings);

        // no secret in it: no warning whatever the mode
        File.WriteAllText(path, """
            clouds:
              t:
                auth_type: none
                auth: { endpoint: "http://swift.local:8080/v1/AUTH_test" }
            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Empty(CloudConfig.Load("t", Env(), [path]).Warnings);
    }
}
