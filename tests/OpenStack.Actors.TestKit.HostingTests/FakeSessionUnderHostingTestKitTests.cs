using System.Net;
using Akka.Actor;
using Akka.Hosting;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Session;
using Xunit;
using OpenStack.Actors.Http;
using HostingTestKit = Akka.Hosting.TestKit.TestKit;

namespace OpenStack.Actors.TestKit.HostingTests;

/// <summary>The fake session in an Akka.Hosting.TestKit test: registered where the real session would be, under virtual time.</summary>
public sealed class FakeSessionUnderHostingTestKitTests : HostingTestKit
{
    private readonly FakeSession _fake = new();   // started by the host's ActorSystem

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.AddHocon(OpenStackTestConfig.VirtualTime, HoconAddMode.Prepend).WithFakeOpenStackSession(_fake);

    [Fact]
    public async Task User_code_resolving_the_session_from_the_registry_talks_to_the_fake_and_delays_follow_virtual_time()
    {
        _fake.When(HttpMethod.Get, "/?format=json").ReplyJson(new[] { new { name = "photos" } }).After(TimeSpan.FromSeconds(30));
        var ct = TestContext.Current.CancellationToken;
        var session = await ActorRegistry.GetAsync<SessionActor>(ct);
        Assert.Equal(_fake.Actor, session);

        session.Tell(new OpenStackRequest(HttpMethod.Get, "/?format=json") { Service = ServiceFilter.ObjectStore }, TestActor);
        // Once the fake has the request, its delayed reply is on the virtual clock.
        await _fake.ExpectRequestAsync(HttpMethod.Get, "/?format=json", cancellationToken: ct);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200), ct);
        _fake.Advance(TimeSpan.FromSeconds(30));

        var response = await ExpectMsgAsync<OpenStackResponse>(cancellationToken: ct);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Contains("photos", response.Text());
        _fake.Verify();
    }
}
