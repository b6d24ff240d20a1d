using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit;
using OpenStack.Actors.Hosting;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.TestKit.Tests.Support;
using Xunit;
using HostingTestKit = Akka.Hosting.TestKit.TestKit;

namespace OpenStack.Actors.TestKit.HostingTests;

// README: the user story under Akka.Hosting (src/TestKit/README.md shows this class as it is; ReadmeTests checks it).
public sealed class BackupActorUnderHostingTestKitTests : HostingTestKit
{
    private readonly string _source = Directory.CreateTempSubdirectory("backup-").FullName;
    private readonly InMemoryCloud _cloud;
    private readonly CloudFaults _faults;

    public BackupActorUnderHostingTestKitTests()
    {
        File.WriteAllText(Path.Combine(_source, "a.txt"), "first");
        File.WriteAllText(Path.Combine(_source, "b.txt"), "second");
        _cloud = new InMemoryCloud(new InMemoryCloudOptions { Clock = () => Sys.Scheduler.Now });
        _faults = new CloudFaults(_cloud.CreateHandler());   // no ActorSystem yet: WithCloudFaults binds it
        _faults.Down("object-store", from: TimeSpan.Zero, to: TimeSpan.FromMinutes(2));
    }

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.AddHocon(OpenStackTestConfig.VirtualTime + "\nakka.test.single-expect-default = 10s", HoconAddMode.Prepend)   // patience for a cold start
            .WithCloudFaults(_faults)
            .WithOpenStackSession(new OpenStackSessionOptions { Authenticator = _cloud.PasswordAuthenticator(), Handler = _faults, MaxAttempts = 1 })
            .WithActors((system, registry) =>
            {
                var session = OpenStackExtension.Get(system).GetSession()!;
                registry.Register<BackupActor>(system.ActorOf(BackupActor.Props(new BatchUploader(new ObjectStoreClient(session), system)), "backup"));
            });

    [Fact]
    public async Task The_backup_survives_a_two_minute_outage_of_the_object_store()
    {
        var ct = TestContext.Current.CancellationToken;
        var backup = await ActorRegistry.GetAsync<BackupActor>(ct);
        var clock = (TestScheduler)Sys.Scheduler;

        backup.Tell(new BackUp(_source, "photos"), TestActor);
        await ExpectMsgAsync<BackupRetrying>(cancellationToken: ct);   // at 0 s: refused
        clock.Advance(BackupActor.RetryDelay);
        await ExpectMsgAsync<BackupRetrying>(cancellationToken: ct);   // at 60 s: still down
        clock.Advance(BackupActor.RetryDelay);
        var done = await ExpectMsgAsync<BackedUp>(cancellationToken: ct);   // at 120 s: back

        Assert.Equal((2, 3), (done.Files, done.Attempts));
        Assert.Equal(["a.txt", "b.txt"], _cloud.Store.ObjectNames(_cloud.Account, "photos"));
        Assert.Equal(2, _faults.Count(FaultKind.Down));
    }

    protected override async Task AfterAllAsync()
    {
        await base.AfterAllAsync();
        Directory.Delete(_source, recursive: true);
    }
}
// README: end
