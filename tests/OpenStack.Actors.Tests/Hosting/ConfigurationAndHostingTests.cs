using OpenStack.Actors.Transport;
using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Hosting;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Support;
using Xunit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace OpenStack.Actors.Tests.Hosting;

public sealed class SettingsTests
{
    [Fact]
    public void Reference_conf_is_embedded_and_gives_the_defaults()
    {
        var s = SessionSettings.Create(ConfigurationFactory.Empty);
        Assert.Equal(TimeSpan.FromSeconds(60), s.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(120), s.RenewBeforeExpiry);
        Assert.Equal(5, s.MaxAttempts);
        Assert.Contains(503, s.RetriableStatuses);
        Assert.True(s.Transport.VerifyTls);
        Assert.Equal(TransportRouting.RoundRobin, s.Transport.Routing);
    }

    [Fact]
    public void The_example_override_in_hocon_folder_wins_over_the_defaults()
    {
        var path = Path.Combine(RepoRoot(), "hocon", "openstack.conf");
        var s = SessionSettings.Create(ConfigurationFactory.ParseString(File.ReadAllText(path)));
        Assert.Equal(TimeSpan.FromSeconds(120), s.RequestTimeout);
        Assert.Equal(8, s.MaxAttempts);
        Assert.Equal(8, s.Transport.PoolSize);
        Assert.Equal(TimeSpan.FromSeconds(30), s.AuthTimeout); // untouched keys keep their defaults
    }

    [Fact]
    public void The_extension_works_in_a_plain_actor_system()
    {
        using var system = ActorSystem.Create("plain", "openstack.session.request-timeout = 7s");
        var ext = OpenStackExtension.Get(system);
        Assert.Equal(TimeSpan.FromSeconds(7), ext.Settings.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), ext.Settings.AuthTimeout);
        var session = ext.CreateSession(new StaticAuthenticator("t", new Uri("http://x.test")), "cloud-a");
        Assert.Same(session, ext.GetSession("cloud-a"));
        Assert.Throws<InvalidOperationException>(() => ext.CreateSession(new StaticAuthenticator("t", new Uri("http://x.test")), "cloud-a"));
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OpenStack.Actors.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}

/// <summary>Akka.Hosting in a generic host (Akka.Hosting.TestKit is built on xunit v3; this suite is on xunit 2).</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task WithOpenStackSession_registers_the_session_and_applies_options_over_defaults()
    {
        var http = new FakeHttp(_ => FakeHttp.Json(HttpStatusCode.OK, "[]"));
        using var host = Microsoft.Extensions.Hosting.Host.CreateDefaultBuilder()
            .ConfigureServices((_, services) => services.AddAkka("hosting-test", (builder, _) =>
                builder.WithOpenStackSession(o =>
                {
                    o.Authenticator = new StaticAuthenticator("SecretToken", new Uri("http://cloud.example.com:3333"));
                    o.RequestTimeout = TimeSpan.FromSeconds(9);
                    o.PoolSize = 2;
                    o.Handler = http;
                })))
            .Build();
        await host.StartAsync();
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            var registry = host.Services.GetRequiredService<ActorRegistry>();
            var actor = await registry.GetAsync<SessionActor>();
            Assert.Same(actor, await registry.GetAsync<OpenStackSessionKey>());
            var settings = SessionSettings.Create(system);
            Assert.Equal(TimeSpan.FromSeconds(9), settings.RequestTimeout);
            Assert.Equal(2, settings.Transport.PoolSize);
            Assert.Equal(TimeSpan.FromSeconds(30), settings.AuthTimeout);

            var response = await new OpenStackSession(actor, settings).GetAsync("/", ServiceFilter.ObjectStore);

            Assert.Equal(HttpStatusCode.OK, response.Status);
            Assert.Equal("SecretToken", Assert.Single(http.Requests).Token);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    public sealed class CloudA;

    public sealed class CloudB;

    /// <summary>A user's service that gets its session injected.</summary>
    public sealed class Uploader(IRequiredActor<CloudB> session)
    {
        public IRequiredActor<CloudB> Session { get; } = session;
    }

    [Fact]
    public async Task Two_clouds_side_by_side_under_their_own_keys_injected_as_required_actors_with_options_from_configuration()
    {
        var httpA = new FakeHttp(_ => FakeHttp.Status(HttpStatusCode.OK, "A"));
        var httpB = new FakeHttp(_ => FakeHttp.Status(HttpStatusCode.OK, "B"));
        using var host = Microsoft.Extensions.Hosting.Host.CreateDefaultBuilder()
            .ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["OpenStack:B:Name"] = "cloud-b",
                ["OpenStack:B:RequestTimeout"] = "00:00:42",
            }))
            .ConfigureServices((context, services) =>
            {
                services.AddSingleton<Uploader>();
                services.AddAkka("two-clouds", (builder, _) =>
                {
                    builder.WithOpenStackSession<CloudA>(o =>
                    {
                        o.Authenticator = new StaticAuthenticator("token-a", new Uri("http://a.example.com"));
                        o.Handler = httpA;
                    });
                    var b = OpenStackSessionOptions.FromConfiguration(context.Configuration.GetSection("OpenStack:B"));
                    b.Authenticator = new StaticAuthenticator("token-b", new Uri("http://b.example.com"));
                    b.Handler = httpB;
                    builder.WithOpenStackSession<CloudB>(b);
                });
            })
            .Build();
        await host.StartAsync();
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            var registry = host.Services.GetRequiredService<ActorRegistry>();
            var a = await registry.GetAsync<CloudA>();
            var b = host.Services.GetRequiredService<Uploader>().Session.ActorRef;
            Assert.NotEqual(a, b);
            Assert.Equal("cloud-b", b.Path.Name);
            Assert.Equal(TimeSpan.FromSeconds(42), OpenStackExtension.Get(system).GetSession("cloud-b")!.Settings.RequestTimeout);

            var settings = SessionSettings.Create(system);
            Assert.Equal("A", (await new OpenStackSession(a, settings).GetAsync("/", ServiceFilter.ObjectStore)).Text());
            Assert.Equal("B", (await new OpenStackSession(b, settings).GetAsync("/", ServiceFilter.ObjectStore)).Text());
            Assert.Equal("token-a", Assert.Single(httpA.Requests).Token);
            Assert.Equal("token-b", Assert.Single(httpB.Requests).Token);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void A_bad_configuration_value_names_its_key()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["PoolSize"] = "many" }).Build();
        var error = Assert.Throws<FormatException>(() => OpenStackSessionOptions.FromConfiguration(config));
        Assert.Contains("PoolSize", error.Message);
    }
}
