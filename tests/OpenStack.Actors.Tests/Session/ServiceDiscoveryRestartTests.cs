using Akka.Actor;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Discovery;
using OpenStack.Actors.Http;
using OpenStack.Actors.Session;
using Xunit;

namespace OpenStack.Actors.Tests.Session;

/// <summary>The session's discovery child answers every call exactly once, also when it restarts with calls in flight.</summary>
public sealed class ServiceDiscoveryRestartTests : TestKit
{
    [Fact]
    public async Task A_restart_answers_the_calls_in_flight_and_the_one_that_failed_once_and_a_late_token_answers_nobody()
    {
        var session = CreateTestProbe();
        var waiting = CreateTestProbe();
        var crashing = CreateTestProbe();
        var discovery = Sys.ActorOf(ServiceDiscoveryActor.Props(session.Ref, SessionSettings.Default));
        var request = new OpenStackRequest(HttpMethod.Get, "resource_providers")
        {
            Service = new ServiceFilter("placement"),
            Api = ApiVersionRequest.ForMicroversion("1.10"),
            CorrelationId = 7,
        };

        // A call waits for a token from the session...
        discovery.Tell(new ServiceCall(request, null, waiting.Ref));
        session.ExpectMsg<GetAccess>();
        var asker = session.LastSender;
        // ...when a message the child cannot handle makes it restart.
        discovery.Tell(new ServiceCall("not a call", null, crashing.Ref));

        var failed = waiting.ExpectMsg<RequestFailed>();
        Assert.Equal(7, failed.CorrelationId);
        Assert.IsType<SessionStoppedException>(failed.Error);
        Assert.IsType<SessionStoppedException>(crashing.ExpectMsg<RequestFailed>().Error);

        // The token arrives for the call of the earlier incarnation: nobody is answered twice.
        asker.Tell(new AccessGranted(new AccessInfo(new AuthToken("t"), null, ServiceCatalog.Empty, "demo", Generation: 1)));
        await waiting.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        session.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        crashing.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
