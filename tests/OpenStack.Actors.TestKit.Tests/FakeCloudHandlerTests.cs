using System.Net;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using OpenStack.Actors.TestKit.Tests.Support;
using Xunit;
using OpenStack.Actors.Http;
using OpenStack.Actors.Auth;
using AkkaTestKit = Akka.TestKit.Xunit2.TestKit;

namespace OpenStack.Actors.TestKit.Tests;

/// <summary>The REAL session with a fake cloud underneath: its own reauthentication, retries and endpoint selection at work.</summary>
public sealed class FakeCloudHandlerTests : AkkaTestKit
{
    private static readonly SessionSettings Fast = RealTimeSettings.Fast;

    private OpenStackSession RealSession(FakeCloudHandler cloud, Auth.IAuthenticator? authenticator = null) =>
        new(Sys.ActorOf(SessionActor.Props(authenticator ?? cloud.PasswordAuthenticator(), Fast, cloud)), Fast);

    [Fact]
    public async Task The_real_session_gets_a_token_from_the_fake_Keystone_and_reaches_the_scripted_service()
    {
        var cloud = new FakeCloudHandler(new FakeCloudOptions { Password = "s3cret" });
        cloud.When(HttpMethod.Get, KeystoneFixtures.SwiftUrl + "/?format=json").ReplyJson(new[] { new { name = "photos" } });
        var session = RealSession(cloud, cloud.PasswordAuthenticator());

        var response = await session.GetAsync("/?format=json", ServiceFilter.ObjectStore);

        Assert.Equal("""[{"name":"photos"}]""", response.Text());
        Assert.Equal(1, cloud.TokensIssued);
        Assert.Equal("tok-1", cloud.Requests[^1].Token);
        var access = await session.GetAccessAsync();
        Assert.Equal("p-demo", access.ProjectId);
        Assert.Equal(new Uri("http://swift-two.test:8080/v1/AUTH_demo"), access.Catalog.Resolve(ServiceFilter.ObjectStore.InRegion("RegionTwo")));
        cloud.Verify();
    }

    [Fact]
    public async Task A_revoked_token_makes_the_real_session_reauthenticate_once()
    {
        var cloud = new FakeCloudHandler();
        cloud.When(HttpMethod.Get, "/v1/AUTH_demo/photos").Reply(204);
        var session = RealSession(cloud);
        await session.GetAsync("/photos", ServiceFilter.ObjectStore);

        cloud.Revoke(cloud.LastToken!);
        await session.GetAsync("/photos", ServiceFilter.ObjectStore);

        Assert.Equal(2, cloud.TokensIssued);
        Assert.Equal(1, (await session.GetStatsAsync()).Reauthentications);
        Assert.Equal(["tok-1", "tok-1", "tok-2"], cloud.Requests.Where(r => !r.IsTokenRequest).Select(r => r.Token));
    }

    [Fact]
    public async Task Two_rejections_in_a_row_reach_the_caller_as_401()
    {
        var cloud = new FakeCloudHandler();
        cloud.When(HttpMethod.Get, "*").Reply(200);
        var session = RealSession(cloud);
        cloud.RejectTokens(2);

        var error = await Assert.ThrowsAsync<HttpErrorException>(() => session.GetAsync("/", ServiceFilter.ObjectStore));

        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
        Assert.Equal(2, cloud.TokensIssued);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_as_Keystone_refuses_it()
    {
        var cloud = new FakeCloudHandler(new FakeCloudOptions { Password = "right" });
        var session = RealSession(cloud, cloud.PasswordAuthenticator("wrong"));

        var error = await Assert.ThrowsAsync<AuthenticationFailedException>(() => session.GetAsync("/", ServiceFilter.ObjectStore));

        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
        Assert.Equal(0, cloud.TokensIssued);
    }

    [Fact]
    public async Task A_rule_can_stand_in_for_Keystone_to_script_an_outage()
    {
        var cloud = new FakeCloudHandler();
        cloud.When(HttpMethod.Post, "*/auth/tokens").Reply(503, KeystoneFixtures.ErrorJson(503, "Service Unavailable", "Keystone is down"));
        var session = RealSession(cloud);

        var outage = await Assert.ThrowsAsync<HttpErrorException>(() => session.GetAsync("/", ServiceFilter.ObjectStore));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, outage.Status);
        Assert.Equal("Keystone is down", outage.ServerMessage);
        Assert.NotEmpty(cloud.TokenRequests);
        Assert.Equal(0, cloud.TokensIssued);
    }

    [Fact]
    public async Task Connection_failures_and_5xx_are_retried_by_the_real_session()
    {
        var cloud = new FakeCloudHandler();
        cloud.When(HttpMethod.Get, "/v1/AUTH_demo/flaky").FailConnection().Then.Reply(503).Then.ReplyText(200, "ok");
        var session = RealSession(cloud);

        var response = await session.GetAsync("/flaky", ServiceFilter.ObjectStore);

        Assert.Equal("ok", response.Text());
        Assert.Equal(3, cloud.Requests.Count(r => r.Url.AbsolutePath.EndsWith("/flaky", StringComparison.Ordinal)));
        cloud.Verify();
    }

    [Fact]
    public async Task The_static_authenticator_sends_its_fixed_token_to_its_one_endpoint()
    {
        var cloud = new FakeCloudHandler();
        cloud.When(HttpMethod.Put, "*/photos/cat.txt").Reply(201);
        var session = RealSession(cloud, cloud.StaticAuthenticator("static-token"));

        await session.PutAsync("/photos/cat.txt", RequestBody.FromText("meow"), ServiceFilter.ObjectStore);

        var put = Assert.Single(cloud.Requests);
        Assert.Equal(new Uri(KeystoneFixtures.SwiftUrl + "/photos/cat.txt"), put.Url);
        Assert.Equal("static-token", put.Token);
        Assert.Equal("meow", put.BodyText());
        Assert.IsType<Auth.StaticAuthenticator>(TestAuthenticators.Static());
    }

    [Fact]
    public async Task Requests_without_a_rule_get_a_501_naming_them_and_fail_the_verification()
    {
        var cloud = new FakeCloudHandler();
        var session = RealSession(cloud);

        var error = await Assert.ThrowsAsync<HttpErrorException>(() => session.GetAsync("/nothing", ServiceFilter.ObjectStore));

        Assert.Equal(HttpStatusCode.NotImplemented, error.Status);
        Assert.Contains("no rule for GET http://swift.test:8080/v1/AUTH_demo/nothing", error.ServerMessage);
        Assert.Throws<FakeAssertionException>(cloud.VerifyNoUnexpectedRequests);
    }
}
