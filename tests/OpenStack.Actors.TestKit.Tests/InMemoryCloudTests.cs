using System.Net;
using OpenStack.Actors.Config;
using OpenStack.Actors.Http;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.TestKit.Tests.Support;
using Xunit;
using AkkaTestKit = Akka.TestKit.Xunit2.TestKit;

namespace OpenStack.Actors.TestKit.Tests;

/// <summary>The in-memory cloud under the REAL session: Keystone's methods, the catalog, the store's token checks.</summary>
public sealed class InMemoryCloudTests : AkkaTestKit
{
    private static readonly SessionSettings Fast = RealTimeSettings.Fast;

    [Fact]
    public async Task An_object_store_client_uploads_lists_and_reads_back_through_Keystone_and_the_catalog()
    {
        var cloud = new InMemoryCloud();
        var client = cloud.CreateObjectStoreClient(Sys, sessionSettings: Fast);

        Assert.True(await client.CreateContainerAsync("photos"));
        await client.PutObjectAsync("photos", "a/b.jpg", RequestBody.FromText("jpeg"));
        var listed = new List<string>();
        await foreach (var e in client.ListObjectsAsync("photos")) listed.Add(e.Name);

        Assert.Equal(["a/b.jpg"], listed);
        Assert.Equal(["a/b.jpg"], cloud.Store.ObjectNames(cloud.Account, "photos"));
        Assert.Equal("AUTH_p-demo", cloud.Account);
        Assert.Equal(1, cloud.TokensIssued);
        Assert.Equal(new Uri("http://swift.test:8080/v1/AUTH_p-demo"), await client.GetEndpointAsync());
        var caps = await client.GetCapabilitiesAsync();
        Assert.True(caps.FromCluster);
        Assert.True(caps.SloSupported);
    }

    [Fact]
    public async Task Keystone_accepts_the_application_credential_and_token_methods_and_refuses_wrong_secrets()
    {
        var cloud = new InMemoryCloud();
        var byAppCred = cloud.CreateSession(Sys, Fast, cloud.ApplicationCredentialAuthenticator());
        Assert.Equal("p-demo", (await byAppCred.GetAccessAsync()).ProjectId);
        var issued = cloud.LastToken!;
        var byToken = cloud.CreateSession(Sys, Fast, cloud.TokenAuthenticator(issued));
        var rescoped = await byToken.GetAccessAsync();
        Assert.Equal("p-demo", rescoped.ProjectId);
        Assert.NotEqual(issued, cloud.LastToken);
        Assert.Equal(2, cloud.TokensIssued);

        cloud.Revoke(issued);
        await Assert.ThrowsAnyAsync<OpenStackException>(() => cloud.CreateSession(Sys, Fast, cloud.TokenAuthenticator(issued)).GetAccessAsync());
        await Assert.ThrowsAnyAsync<OpenStackException>(() => cloud.CreateSession(Sys, Fast, cloud.PasswordAuthenticator("wrong")).GetAccessAsync());
        await Assert.ThrowsAnyAsync<OpenStackException>(() => cloud.CreateSession(Sys, Fast, cloud.ApplicationCredentialAuthenticator("wrong")).GetAccessAsync());
        Assert.Equal(2, cloud.TokensIssued);
    }

    [Fact]
    public async Task The_store_answers_401_without_a_live_token_and_the_session_reauthenticates_after_a_revocation()
    {
        var cloud = new InMemoryCloud();
        using var http = new HttpClient(cloud.CreateHandler());
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(cloud.ObjectStoreUrl)).StatusCode);
        var unknown = new HttpRequestMessage(HttpMethod.Get, cloud.ObjectStoreUrl);
        unknown.Headers.Add("X-Auth-Token", "made-up");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(unknown)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(cloud.Options.SwiftRoot + "info")).StatusCode);

        var client = cloud.CreateObjectStoreClient(Sys, sessionSettings: Fast);
        await client.CreateContainerAsync("c");
        cloud.RevokeAll();
        Assert.NotNull(await client.GetContainerAsync("c"));
        Assert.Equal(2, cloud.TokensIssued);
    }

    [Fact]
    public async Task A_delegating_handler_can_wrap_the_cloud()
    {
        var cloud = new InMemoryCloud();
        var counter = new Counting();
        var client = cloud.CreateObjectStoreClient(Sys, sessionSettings: Fast, wrap: inner =>
        {
            counter.InnerHandler = inner;
            return counter;
        });
        await client.CreateContainerAsync("c");
        Assert.True(counter.Count >= 2);   // the token request and the PUT
    }

    private sealed class Counting : DelegatingHandler
    {
        private int _count;
        public int Count => Volatile.Read(ref _count);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
