using System.Net;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Support;
using Xunit;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.Session;

/// <summary>The examples of openstacksdk's first Session, with its TestAuthenticator (token SecretToken, endpoint cloud.example.com:3333).</summary>
public sealed class SeedExampleTests : TestKit
{
    private static readonly Uri Endpoint = new("http://cloud.example.com:3333");

    private OpenStackSession NewSession(FakeHttp http) =>
        new(Sys.ActorOf(SessionActor.Props(new StaticAuthenticator("SecretToken", Endpoint), SessionSettings.Default, http)), SessionSettings.Default);

    [Fact]
    public async Task Get_root_returns_the_json_list_of_containers()
    {
        var http = new FakeHttp(_ => FakeHttp.Json(HttpStatusCode.OK, """[{"count": 2, "bytes": 40, "name": "pilots"}]"""));
        var session = NewSession(http);

        var response = await session.GetAsync("/", ServiceFilter.ObjectStore);

        var containers = response.Json<List<ContainerEntry>>()!;
        Assert.Equal("pilots", Assert.Single(containers).Name);
        var sent = Assert.Single(http.Requests);
        Assert.Equal(HttpMethod.Get, sent.Method);
        Assert.Equal("http://cloud.example.com:3333/", sent.Url.AbsoluteUri);
        Assert.Equal("SecretToken", sent.Token);
    }

    [Fact]
    public async Task Put_sends_exactly_the_headers_body_and_token_to_the_joined_url()
    {
        var http = new FakeHttp(_ => FakeHttp.Status(HttpStatusCode.Created));
        var session = NewSession(http);

        var response = await session.PutAsync("/pilots/french.txt", RequestBody.FromText("roland garros", "text/plain"), ServiceFilter.ObjectStore,
            headers: new Dictionary<string, string> { ["Content-Length"] = "13", ["Content-Type"] = "text/plain" });

        Assert.Equal(HttpStatusCode.Created, response.Status);
        var sent = Assert.Single(http.Requests);
        Assert.Equal(HttpMethod.Put, sent.Method);
        Assert.Equal("http://cloud.example.com:3333/pilots/french.txt", sent.Url.AbsoluteUri);
        Assert.Equal("SecretToken", sent.Token);
        Assert.Equal("13", sent.Headers["Content-Length"]);
        Assert.Equal("text/plain", sent.Headers["Content-Type"]);
        Assert.Equal("roland garros", sent.BodyText);
        Assert.StartsWith("OpenStack.Actors/", sent.Headers["User-Agent"]);
    }

    [Fact]
    public async Task Authenticate_false_sends_no_token()
    {
        var http = new FakeHttp(_ => FakeHttp.Status(HttpStatusCode.OK, "ok"));
        var session = NewSession(http);

        await session.GetAsync("/info", ServiceFilter.ObjectStore, authenticate: false);

        Assert.Null(Assert.Single(http.Requests).Token);
    }

    [Fact]
    public async Task Each_verb_reaches_the_server_with_its_method()
    {
        var http = new FakeHttp(_ => FakeHttp.Status(HttpStatusCode.NoContent));
        var session = NewSession(http);
        var s = ServiceFilter.ObjectStore;

        await session.HeadAsync("/c", s);
        await session.GetAsync("/c", s);
        await session.PostAsync("/c", null, s, headers: new Dictionary<string, string> { ["X-Container-Meta-Color"] = "blue" });
        await session.PutAsync("/c", null, s);
        await session.PatchAsync("/c", RequestBody.Json(new { a = 1 }), s);
        await session.DeleteAsync("/c", s);

        Assert.Equal(["HEAD", "GET", "POST", "PUT", "PATCH", "DELETE"], http.Requests.Select(r => r.Method.Method));
        Assert.Equal("blue", http.Requests.ElementAt(2).Headers["X-Container-Meta-Color"]);
        Assert.Equal("""{"a":1}""", http.Requests.ElementAt(4).BodyText);
        Assert.Equal("application/json", http.Requests.ElementAt(4).Headers["Content-Type"]);
    }

    [Fact]
    public async Task Http_errors_are_typed_with_status_request_id_and_the_servers_message()
    {
        var http = new FakeHttp(_ =>
        {
            var r = FakeHttp.Json(HttpStatusCode.NotFound, """{"itemNotFound": {"message": "Instance could not be found", "code": 404}}""");
            r.Headers.Add("x-openstack-request-id", "req-123");
            return r;
        });
        var session = NewSession(http);

        var error = await Assert.ThrowsAsync<HttpErrorException>(() => session.GetAsync("/servers/x", new ServiceFilter("compute")));

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Equal("req-123", error.RequestId);
        Assert.Equal("Instance could not be found", error.ServerMessage);
        Assert.Contains("404", error.Message);

        var raw = await session.GetAsync("/servers/x", new ServiceFilter("compute"), options: new RequestOptions { RaiseOnError = false });
        Assert.Equal(HttpStatusCode.NotFound, raw.Status);
        Assert.Equal("req-123", raw.RequestId);
    }

    [Fact]
    public async Task A_header_with_CR_LF_is_refused_before_anything_is_sent()
    {
        var http = new FakeHttp(_ => FakeHttp.Status(HttpStatusCode.OK));
        var session = NewSession(http);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            session.GetAsync("/c", ServiceFilter.ObjectStore, headers: new Dictionary<string, string> { ["X-Object-Meta-A"] = "x\r\nX-Evil: 1" }));

        Assert.Contains("X-Object-Meta-A", error.Message);
        Assert.Empty(http.Requests);
    }

    private sealed record ContainerEntry(string Name, long Count, long Bytes);
}
