using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using Xunit;

namespace OpenStack.Actors.Tests.Integration;

/// <summary>
/// Integration tests share the real local cloud (scripts/devcloud.sh up), and some stop and start its services:
/// they run one at a time, never beside each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DevCloudCollection
{
    public const string Name = "DevCloud";
}

/// <summary>Facts about the running dev cloud, from $DEVCLOUD_DIR/devcloud.env (written by scripts/devcloud.sh up).</summary>
public static class DevCloud
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Facts = new(Load);

    public static string Dir => Environment.GetEnvironmentVariable("DEVCLOUD_DIR") is { Length: > 0 } d ? d : "/tmp/devcloud";
    public static string CloudsYaml => Path.Combine(Dir, "clouds.yaml");

    public static string Get(string key) =>
        Facts.Value.TryGetValue(key, out var v) ? v : throw new InvalidOperationException($"{key} is not in {Dir}/devcloud.env");

    public static Uri KeystoneUrl => new(Get("DEVCLOUD_KEYSTONE_URL"));
    public static string Script => Get("DEVCLOUD_SCRIPT");

    private static IReadOnlyDictionary<string, string> Load()
    {
        var path = Path.Combine(Dir, "devcloud.env");
        if (!File.Exists(path))
            throw new InvalidOperationException($"{path} is missing: start the dev cloud with scripts/devcloud.sh up (scripts/test.sh does)");
        return File.ReadAllLines(path)
            .Where(l => l.Contains('=') && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);
    }

    /// <summary>Placement's log line for the id: uwsgi writes it as the request ends, so it may land just after the
    /// response; the file is read until the line is there.</summary>
    public static async Task<string> PlacementLogLineWith(string id)
    {
        var log = DevCloud.Get("DEVCLOUD_PLACEMENT_LOG");
        var until = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            await using (var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            using (var reader = new StreamReader(stream))
            {
                var text = await reader.ReadToEndAsync();
                var line = text.Split('\n').FirstOrDefault(l => l.Contains(id, StringComparison.Ordinal) && l.Contains("placement.requestlog", StringComparison.Ordinal));
                if (line is not null) return line;
            }
            if (DateTime.UtcNow > until) throw new Xunit.Sdk.XunitException($"no line with {id} in {log}");
            await Task.Delay(100);
        }
    }

    public static KeystonePasswordAuthenticator Demo(string? password = null) =>
        new(KeystoneUrl, password ?? Get("DEVCLOUD_DEMO_PASSWORD"), AuthScope.ProjectName(Get("DEVCLOUD_DEMO_PROJECT")), userName: Get("DEVCLOUD_DEMO_USER"));

    public static KeystonePasswordAuthenticator Admin() =>
        new(KeystoneUrl, Get("DEVCLOUD_ADMIN_PASSWORD"), AuthScope.ProjectName(Get("DEVCLOUD_ADMIN_PROJECT")), userName: Get("DEVCLOUD_ADMIN_USER"));

    public static KeystoneApplicationCredentialAuthenticator AppCred() =>
        new(KeystoneUrl, Get("DEVCLOUD_APPCRED_SECRET"), id: Get("DEVCLOUD_APPCRED_ID"));

    /// <summary>The OS_* variables of the demo user, for python-swiftclient (which does not read clouds.yaml).</summary>
    public static IDictionary<string, string> DemoOsEnvironment() => new Dictionary<string, string>
    {
        ["OS_AUTH_URL"] = Get("DEVCLOUD_KEYSTONE_URL"),
        ["OS_IDENTITY_API_VERSION"] = "3",
        ["OS_USERNAME"] = Get("DEVCLOUD_DEMO_USER"),
        ["OS_PASSWORD"] = Get("DEVCLOUD_DEMO_PASSWORD"),
        ["OS_PROJECT_NAME"] = Get("DEVCLOUD_DEMO_PROJECT"),
        ["OS_USER_DOMAIN_NAME"] = Get("DEVCLOUD_DOMAIN_NAME"),
        ["OS_PROJECT_DOMAIN_NAME"] = Get("DEVCLOUD_DOMAIN_NAME"),
        ["OS_REGION_NAME"] = Get("DEVCLOUD_REGION"),
    };

    /// <summary>The demo user as rclone's swift remote <c>dc</c>, defined by environment only (as bench/peer-env.sh does), with
    /// <paramref name="configFile"/> (an empty file) as rclone's config.</summary>
    public static IDictionary<string, string> DemoRcloneEnvironment(string configFile) => new Dictionary<string, string>
    {
        ["RCLONE_CONFIG"] = configFile,
        ["RCLONE_CONFIG_DC_TYPE"] = "swift",
        ["RCLONE_CONFIG_DC_ENV_AUTH"] = "false",
        ["RCLONE_CONFIG_DC_AUTH"] = Get("DEVCLOUD_KEYSTONE_URL"),
        ["RCLONE_CONFIG_DC_AUTH_VERSION"] = "3",
        ["RCLONE_CONFIG_DC_USER"] = Get("DEVCLOUD_DEMO_USER"),
        ["RCLONE_CONFIG_DC_KEY"] = Get("DEVCLOUD_DEMO_PASSWORD"),
        ["RCLONE_CONFIG_DC_DOMAIN"] = Get("DEVCLOUD_DOMAIN_NAME"),
        ["RCLONE_CONFIG_DC_TENANT"] = Get("DEVCLOUD_DEMO_PROJECT"),
        ["RCLONE_CONFIG_DC_TENANT_DOMAIN"] = Get("DEVCLOUD_DOMAIN_NAME"),
        ["RCLONE_CONFIG_DC_REGION"] = Get("DEVCLOUD_REGION"),
    };

    /// <summary>Runs scripts/devcloud.sh with the arguments; fails the test if it fails.</summary>
    public static async Task RunScriptAsync(params string[] args)
    {
        var output = await RunAsync("bash", [Script, .. args]);
        if (output.ExitCode != 0) throw new InvalidOperationException($"devcloud.sh {string.Join(' ', args)} failed ({output.ExitCode}): {output.StdErr}");
    }

    /// <summary>Runs a program with the dev cloud's clouds.yaml and the system PATH (both overridable through
    /// <paramref name="env"/>); gives up after <paramref name="timeout"/> (2 minutes when null).</summary>
    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string>? env = null,
        TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OS_CLIENT_CONFIG_FILE"] = CloudsYaml;
        psi.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);   // a hung child must not outlive the test run
            throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish in time; stderr so far: {await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A real socket handler that counts requests per path, to see how often Keystone was asked.</summary>
public sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
{
    private readonly ConcurrentDictionary<string, int> _counts = new();

    public int TokenRequests => _counts.TryGetValue("POST /v3/auth/tokens", out var n) ? n : 0;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _counts.AddOrUpdate($"{request.Method} {request.RequestUri!.AbsolutePath}", 1, (_, n) => n + 1);
        return base.SendAsync(request, cancellationToken);
    }
}

public static class SessionFactory
{
    public static OpenStackSession Create(ActorSystem system, IAuthenticator authenticator, SessionSettings? settings = null, HttpMessageHandler? handler = null)
    {
        settings ??= SessionSettings.Create(system);
        return new OpenStackSession(system.ActorOf(SessionActor.Props(authenticator, settings, handler)), settings);
    }
}
