using Akka.Actor;
using Akka.TestKit;
using OpenStack.Actors.Config;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.TestKit.Tests.Support;
using Xunit;
using AkkaTestKit = Akka.TestKit.Xunit2.TestKit;

namespace OpenStack.Actors.TestKit.Tests;

// README: the user story (src/TestKit/README.md shows this class as it is; ReadmeTests checks it).
public sealed class BackupActorTests : AkkaTestKit
{
    private readonly string _source = Directory.CreateTempSubdirectory("backup-").FullName;

    // Patience in wall time for a cold process's first upload on a busy machine; the outage itself costs none.
    public BackupActorTests() : base(OpenStackTestConfig.VirtualTime + "\nakka.test.single-expect-default = 10s")
    {
        File.WriteAllText(Path.Combine(_source, "a.txt"), "first");
        File.WriteAllText(Path.Combine(_source, "b.txt"), "second");
        Directory.CreateDirectory(Path.Combine(_source, "sub"));
        File.WriteAllText(Path.Combine(_source, "sub", "c.txt"), "third");
    }

    [Fact]
    public async Task The_backup_survives_a_two_minute_outage_of_the_object_store()
    {
        var cloud = new InMemoryCloud(new InMemoryCloudOptions { Clock = () => Sys.Scheduler.Now });
        var faults = new CloudFaults(Sys, cloud.CreateHandler());
        faults.Down("object-store", from: TimeSpan.Zero, to: TimeSpan.FromMinutes(2));
        // The real session, one attempt per request: the actor's own retries are under test.
        var settings = SessionSettings.Default with { MaxAttempts = 1 };
        var session = new OpenStackSession(Sys.ActorOf(SessionActor.Props(cloud.PasswordAuthenticator(), settings, faults)), settings);
        var backup = Sys.ActorOf(BackupActor.Props(new BatchUploader(new ObjectStoreClient(session), Sys)));
        var clock = (TestScheduler)Sys.Scheduler;

        backup.Tell(new BackUp(_source, "photos"));
        var refused = await ExpectMsgAsync<BackupRetrying>();     // at 0 s: refused
        clock.Advance(BackupActor.RetryDelay);                     // the actor's timer is set: move a minute on
        await ExpectMsgAsync<BackupRetrying>();                    // at 60 s: still down
        clock.Advance(BackupActor.RetryDelay);
        var done = await ExpectMsgAsync<BackedUp>();               // at 120 s: the object store is back

        Assert.StartsWith("connection refused by swift.test:8080", refused.Reason);
        Assert.Equal((3, 3), (done.Files, done.Attempts));
        Assert.Equal(["a.txt", "b.txt", "sub/c.txt"], cloud.Store.ObjectNames(cloud.Account, "photos"));
        Assert.Equal("third"u8.ToArray(), cloud.Store.ReadObject(cloud.Account, "photos", "sub/c.txt"));
        Assert.Equal(2, faults.Count(FaultKind.Down));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) Directory.Delete(_source, recursive: true);
    }
}
// README: end
