extern alias testkit;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenStack.Actors.Hosting;
using OpenStack.Actors.ObjectStore;
using testkit::OpenStack.Actors.TestKit;
using Xunit;

namespace OpenStack.Actors.Tests.Hosting;

/// <summary>An embedder on Akka.Hosting gets the object-store client the stages take from the extension.</summary>
public sealed class ObjectStoreHostingTests
{
    [Fact]
    public async Task A_hosted_session_has_one_object_store_client_with_the_systems_settings_that_the_stages_upload_through()
    {
        var cloud = new InMemoryCloud();
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("embedder", builder =>
            {
                builder.AddHocon("openstack.object-store.transfers = 3", HoconAddMode.Prepend);
                builder.WithOpenStackSession(o =>
                {
                    o.Authenticator = cloud.PasswordAuthenticator();
                    o.Handler = cloud.CreateHandler();
                });
            }))
            .Build();
        await host.StartAsync();
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            var extension = OpenStackExtension.Get(system);
            var swift = extension.GetObjectStore();
            Assert.NotNull(swift);
            Assert.Same(swift, extension.GetObjectStore());
            Assert.Null(extension.GetObjectStore("no-such-session"));
            Assert.Equal(3, swift.Settings.Transfers);

            await swift.CreateContainerAsync("reports");
            var results = await Source.From(Enumerable.Range(1, 5))
                .Select(i => UploadItem.FromBytes($"r{i}.csv", System.Text.Encoding.UTF8.GetBytes($"report {i}\n")))
                .Via(ObjectStoreStreams.Upload(swift, "reports"))
                .RunWith(Sink.Seq<FileResult>(), system.Materializer());

            Assert.All(results, r => Assert.IsType<FileUploaded>(r));
            Assert.Equal(["r1.csv", "r2.csv", "r3.csv", "r4.csv", "r5.csv"], cloud.Store.ObjectNames(cloud.Account, "reports").Order());
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
