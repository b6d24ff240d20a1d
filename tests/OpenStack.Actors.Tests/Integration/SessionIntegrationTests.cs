using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using Xunit;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.Integration;

/// <summary>The session against the real Keystone and Swift of scripts/devcloud.sh.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SessionIntegrationTests : TestKit
{
    private static string NewContainer() => "it-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Password_token_and_application_credential_authentication_work()
    {
        var password = await SessionFactory.Create(Sys, DevCloud.Demo()).GetAccessAsync();
        Assert.Equal(DevCloud.Get("DEVCLOUD_DEMO_PROJECT_ID"), password.ProjectId);
        Assert.Equal(DevCloud.Get("DEVCLOUD_DEMO_USER_ID"), password.UserId);
        Assert.True(password.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(1));

        var rescoped = await SessionFactory.Create(Sys, new KeystoneTokenAuthenticator(DevCloud.KeystoneUrl, password.Token.Value,
            AuthScope.ProjectId(DevCloud.Get("DEVCLOUD_DEMO_PROJECT_ID")))).GetAccessAsync();
        Assert.Equal(password.ProjectId, rescoped.ProjectId);
        Assert.NotEqual(password.Token, rescoped.Token);

        var appcred = SessionFactory.Create(Sys, DevCloud.AppCred());
        var access = await appcred.GetAccessAsync();
        Assert.Equal(DevCloud.Get("DEVCLOUD_DEMO_PROJECT_ID"), access.ProjectId);
        var account = await appcred.HeadAsync("", ServiceFilter.ObjectStore);
        Assert.True(account.IsSuccess);
    }

    [Theory]
    [InlineData("devcloud-demo")]
    [InlineData("devcloud-admin")]
    [InlineData("devcloud-appcred")]
    public async Task Every_cloud_of_the_generated_clouds_yaml_authenticates_and_reaches_swift(string cloud)
    {
        var config = CloudConfig.Load(cloud, environment: new Dictionary<string, string?>(), searchPaths: [DevCloud.CloudsYaml]);
        Assert.Empty(config.Warnings); // the file is not readable by others
        var session = SessionFactory.Create(Sys, config.CreateAuthenticator(), config.ApplyTo(SessionSettings.Create(Sys)));

        var account = await session.HeadAsync("", config.Filter("object-store"));

        Assert.True(account.IsSuccess);
        Assert.StartsWith(DevCloud.Get("DEVCLOUD_SWIFT_PUBLIC_PREFIX"), account.Url.AbsoluteUri);
    }

    [Fact]
    public async Task A_wrong_password_is_an_authentication_failure_after_exactly_one_keystone_request()
    {
        var handler = new CountingHandler();
        var session = SessionFactory.Create(Sys, DevCloud.Demo(password: "not-the-password"), handler: handler);

        var calls = Enumerable.Range(0, 10).Select(_ => session.GetAsync("", ServiceFilter.ObjectStore)).ToList();
        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<AuthenticationFailedException>(() => call);
            Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
            Assert.DoesNotContain("not-the-password", error.Message);
        }

        Assert.Equal(1, handler.TokenRequests);
    }

    [Theory]
    [InlineData(new[] { "public" }, null, "DEVCLOUD_SWIFT_PUBLIC_PREFIX")]
    [InlineData(new[] { "internal" }, null, "DEVCLOUD_SWIFT_INTERNAL_PREFIX")]
    [InlineData(new[] { "admin" }, null, "DEVCLOUD_SWIFT_ADMIN_PREFIX")]
    [InlineData(new[] { "public" }, "RegionTwo", "DEVCLOUD_SWIFT_REGION2_PUBLIC_PREFIX")]
    [InlineData(new[] { "internal", "public" }, "RegionTwo", "DEVCLOUD_SWIFT_REGION2_PUBLIC_PREFIX")]
    public async Task The_filter_picks_the_object_store_endpoint_by_interface_and_region(string[] interfaces, string? region, string expectedPrefixKey)
    {
        var session = SessionFactory.Create(Sys, DevCloud.Demo());
        var filter = ServiceFilter.ObjectStore.WithInterface(interfaces).InRegion(region);

        var access = await session.GetAccessAsync();
        var endpoint = access.Catalog.Resolve(filter);
        var account = await session.HeadAsync("", filter);

        Assert.Equal(DevCloud.Get(expectedPrefixKey) + DevCloud.Get("DEVCLOUD_DEMO_PROJECT_ID"), endpoint.AbsoluteUri);
        Assert.True(account.IsSuccess);
        Assert.StartsWith(endpoint.GetLeftPart(UriPartial.Authority), account.Url.AbsoluteUri);
    }

    [Fact]
    public async Task A_service_the_cloud_lacks_is_endpoint_not_found_naming_the_filter()
    {
        var session = SessionFactory.Create(Sys, DevCloud.Demo());

        var error = await Assert.ThrowsAsync<EndpointNotFoundException>(() => session.GetAsync("/servers", new ServiceFilter("compute")));

        Assert.Contains("service type 'compute'", error.Message);
        Assert.Contains(error.Available, a => a.StartsWith("object-store"));
        Assert.Contains(error.Available, a => a.StartsWith("identity"));
    }

    [Fact]
    public async Task The_seed_examples_for_real_put_get_head_post_delete()
    {
        var session = SessionFactory.Create(Sys, DevCloud.Demo());
        var container = NewContainer();
        var s = ServiceFilter.ObjectStore;

        Assert.Equal(HttpStatusCode.Created, (await session.PutAsync($"/{container}", null, s)).Status);
        var put = await session.PutAsync($"/{container}/french.txt", RequestBody.FromText("roland garros", "text/plain"), s,
            headers: new Dictionary<string, string> { ["Content-Length"] = "13", ["Content-Type"] = "text/plain", ["X-Object-Meta-Pilot"] = "Roland" });
        Assert.Equal(HttpStatusCode.Created, put.Status);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes("roland garros"))), put.Header("ETag")?.Trim('"'));
        Assert.NotNull(put.RequestId);

        var listing = await session.GetAsync("/?format=json", s);
        Assert.Contains(container, listing.Json<List<ContainerEntry>>()!.Select(c => c.Name));

        var get = await session.GetAsync($"/{container}/french.txt", s);
        Assert.Equal("roland garros", get.Text());
        Assert.Equal("text/plain", get.Header("Content-Type"));

        var post = await session.PostAsync($"/{container}/french.txt", null, s, headers: new Dictionary<string, string> { ["X-Object-Meta-Color"] = "blue" });
        Assert.Equal(HttpStatusCode.Accepted, post.Status);
        var head = await session.HeadAsync($"/{container}/french.txt", s);
        Assert.Equal("blue", head.Header("X-Object-Meta-Color"));
        Assert.Equal("13", head.Header("Content-Length"));

        // Another client agrees: python-swiftclient sees the same ETag.
        var stat = await DevCloud.RunAsync("swift", ["stat", container, "french.txt"], DevCloud.DemoOsEnvironment());
        Assert.Equal(0, stat.ExitCode);
        Assert.Contains(put.Header("ETag")!.Trim('"'), stat.StdOut);

        Assert.Equal(HttpStatusCode.NoContent, (await session.DeleteAsync($"/{container}/french.txt", s)).Status);
        var gone = await Assert.ThrowsAsync<HttpErrorException>(() => session.GetAsync($"/{container}/french.txt", s));
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        Assert.NotNull(gone.RequestId);
        Assert.Equal(HttpStatusCode.NoContent, (await session.DeleteAsync($"/{container}", s)).Status);
    }

    [Fact]
    public async Task Patch_where_the_service_accepts_it_keystone_project_update()
    {
        var admin = SessionFactory.Create(Sys, DevCloud.Admin());
        var description = "patched " + Guid.NewGuid().ToString("N")[..8];
        var projectId = DevCloud.Get("DEVCLOUD_DEMO_PROJECT_ID");

        var patched = await admin.PatchAsync($"/projects/{projectId}", RequestBody.Json(new { project = new { description } }), ServiceFilter.Identity);

        Assert.Equal(HttpStatusCode.OK, patched.Status);
        using var doc = (await admin.GetAsync($"/projects/{projectId}", ServiceFilter.Identity)).JsonDocument();
        Assert.Equal(description, doc.RootElement.GetProperty("project").GetProperty("description").GetString());
    }

    [Fact]
    public async Task A_token_revoked_server_side_is_replaced_once_while_requests_are_in_flight()
    {
        var handler = new CountingHandler();
        var session = SessionFactory.Create(Sys, DevCloud.Demo(), handler: handler);
        var container = NewContainer();
        await session.PutAsync($"/{container}", null, ServiceFilter.ObjectStore);
        var before = await session.GetAccessAsync();

        var revoke = await session.DeleteAsync("/auth/tokens", ServiceFilter.Identity,
            headers: new Dictionary<string, string> { ["X-Subject-Token"] = before.Token.Value });
        Assert.Equal(HttpStatusCode.NoContent, revoke.Status);
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            session.PutAsync($"/{container}/o{i}", RequestBody.FromText($"object {i}"), ServiceFilter.ObjectStore)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        var after = await session.GetAccessAsync();
        Assert.NotEqual(before.Token, after.Token);
        Assert.Equal(2, handler.TokenRequests);
        Assert.Equal(1, (await session.GetStatsAsync()).Reauthentications);
        await DeleteContainerAsync(session, container, 40);
    }

    [Fact]
    public async Task Demo_cannot_read_admins_account_and_tokens_are_not_shared_across_identities()
    {
        var demo = SessionFactory.Create(Sys, DevCloud.Demo());
        var admin = SessionFactory.Create(Sys, DevCloud.Admin());

        var error = await Assert.ThrowsAsync<HttpErrorException>(() => demo.GetAsync(DevCloud.Get("DEVCLOUD_ADMIN_SWIFT_URL")));
        Assert.Equal(HttpStatusCode.Forbidden, error.Status);

        var demoAccess = await demo.GetAccessAsync();
        var adminAccess = await admin.GetAccessAsync();
        Assert.NotEqual(demoAccess.Token, adminAccess.Token);
        Assert.NotEqual(demoAccess.ProjectId, adminAccess.ProjectId);
        Assert.True((await admin.HeadAsync("", ServiceFilter.ObjectStore)).IsSuccess);
    }

    [Fact]
    public async Task Keystone_down_gives_a_clear_connection_error_in_time_and_the_session_recovers_when_it_returns()
    {
        // One attempt: the error must come within the auth timeout, not after the retry budget (retries are tested elsewhere).
        var settings = SessionSettings.Create(Sys) with { AuthTimeout = TimeSpan.FromSeconds(5), MaxAttempts = 1 };
        var session = SessionFactory.Create(Sys, DevCloud.Demo(), settings);
        await DevCloud.RunScriptAsync("stop", "keystone");
        try
        {
            var watch = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<ConnectionFailedException>(() => session.HeadAsync("", ServiceFilter.ObjectStore));
            Assert.True(watch.Elapsed < settings.AuthTimeout + settings.ReplyGrace, $"took {watch.Elapsed}");
            Assert.Contains("127.0.0.1:5000", error.Message);
        }
        finally
        {
            await DevCloud.RunScriptAsync("start", "keystone");
        }

        // A restarted Keystone's first token can take longer than this session's 5 s: wait until it issues tokens (a
        // session with the default timeout and retries gets one), then the session under test must recover on its own.
        Assert.True((await SessionFactory.Create(Sys, DevCloud.Demo()).HeadAsync("", ServiceFilter.ObjectStore)).IsSuccess);
        var account = await session.HeadAsync("", ServiceFilter.ObjectStore);
        Assert.True(account.IsSuccess);
    }

    private static async Task DeleteContainerAsync(OpenStackSession session, string container, int objects)
    {
        for (var i = 0; i < objects; i++) await session.DeleteAsync($"/{container}/o{i}", ServiceFilter.ObjectStore);
        await session.DeleteAsync($"/{container}", ServiceFilter.ObjectStore);
    }

    private sealed record ContainerEntry(string Name, long Count, long Bytes);
}
