using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenStack.Actors.Session;
using OpenStack.Actors.TestKit.Tests.Support;
using Xunit;

namespace OpenStack.Actors.TestKit.Tests;

/// <summary>Akka.Hosting in a plain generic host (Akka.Hosting.TestKit 1.5.74 is built on xunit v3; this suite is on
/// xunit 2): the fake is registered where the real session would be, so user code resolving the session gets it.</summary>
public sealed class HostingTests
{
    private sealed class ArchiveCloud;

    [Fact]
    public async Task The_fake_is_registered_as_the_SessionActor_for_user_code_that_resolves_it()
    {
        var fake = new FakeSession();    // not started: the host's ActorSystem does not exist yet
        fake.When(HttpMethod.Get, "/?format=json").ReplyJson(new[] { new { name = "photos" } });
        using var host = Host.CreateDefaultBuilder()
            .ConfigureServices((_, services) => services.AddAkka("testkit-hosting", (builder, _) => builder
                .WithFakeOpenStackSession(fake)
                .WithActors((system, registry) =>
                    registry.Register<ContainerListerActor>(system.ActorOf(ContainerListerActor.Props(registry.Get<SessionActor>()), "lister")))))
            .Build();
        await host.StartAsync();
        try
        {
            var registry = host.Services.GetRequiredService<ActorRegistry>();
            Assert.Equal(fake.Actor, await registry.GetAsync<SessionActor>());
            Assert.Equal(fake.Actor, await host.Services.GetRequiredService<IRequiredActor<SessionActor>>().GetAsync());

            var lister = await registry.GetAsync<ContainerListerActor>();
            var listed = await lister.Ask<ContainersListed>(ListContainers.Instance, TimeSpan.FromSeconds(5));

            Assert.Equal(["photos"], listed.Names);
            await fake.ExpectRequestAsync(HttpMethod.Get, "/?format=json");
            fake.Verify();
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_fake_can_stand_in_for_one_of_several_named_clouds()
    {
        var fake = new FakeSession(new FakeSessionOptions { Name = "archive" });
        using var host = Host.CreateDefaultBuilder()
            .ConfigureServices((_, services) => services.AddAkka("testkit-hosting-keyed", (builder, _) => builder.WithFakeOpenStackSession<ArchiveCloud>(fake)))
            .Build();
        await host.StartAsync();
        try
        {
            var archive = await host.Services.GetRequiredService<IRequiredActor<ArchiveCloud>>().GetAsync();
            Assert.Equal(fake.Actor, archive);
            Assert.Equal("archive", archive.Path.Name);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
