using System.Net;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Support;
using Xunit;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.Transport;

public sealed class RedirectAndBodyTests : TestKit
{
    private OpenStackSession NewSession(FakeHttp http) =>
        new(Sys.ActorOf(SessionActor.Props(new StaticAuthenticator("SecretToken", new Uri("http://cloud.example.com:3333")), SessionSettings.Default, http)), SessionSettings.Default);

    private static HttpResponseMessage Redirect(HttpStatusCode status, string location)
    {
        var r = new HttpResponseMessage(status);
        r.Headers.Location = new Uri(location, UriKind.RelativeOrAbsolute);
        return r;
    }

    [Fact]
    public async Task A_redirect_is_followed_and_the_token_does_not_follow_it_to_another_host()
    {
        var http = new FakeHttp(r => r.Url.AbsolutePath switch
        {
            "/moved" => Redirect(HttpStatusCode.TemporaryRedirect, "/here"),
            "/away" => Redirect(HttpStatusCode.Found, "http://other.example.com/there"),
            _ => FakeHttp.Status(HttpStatusCode.OK, r.Url.AbsolutePath),
        });
        var session = NewSession(http);

        var same = await session.GetAsync("/moved", ServiceFilter.ObjectStore);
        var other = await session.GetAsync("/away", ServiceFilter.ObjectStore);

        Assert.Equal("/here", same.Text());
        Assert.Equal("http://cloud.example.com:3333/here", same.Url.AbsoluteUri);
        Assert.Equal("/there", other.Text());
        var sent = http.Requests.ToList();
        Assert.Equal(["SecretToken", "SecretToken", "SecretToken", null], sent.Select(r => r.Token));
        Assert.Equal("other.example.com", sent[3].Url.Host);
    }

    [Fact]
    public async Task A_303_after_a_post_continues_as_a_get_without_the_body()
    {
        var http = new FakeHttp(r => r.Method == HttpMethod.Post ? Redirect(HttpStatusCode.SeeOther, "/result") : FakeHttp.Status(HttpStatusCode.OK, "done"));
        var session = NewSession(http);

        var response = await session.PostAsync("/submit", RequestBody.FromText("payload"), ServiceFilter.ObjectStore);

        Assert.Equal("done", response.Text());
        var second = http.Requests.Last();
        Assert.Equal(HttpMethod.Get, second.Method);
        Assert.Null(second.Body);
    }

    [Fact]
    public async Task A_stream_body_from_a_factory_is_sent_again_after_a_401_and_a_one_shot_stream_is_not()
    {
        var calls = 0;
        var http = new FakeHttp(_ => Interlocked.Increment(ref calls) % 2 == 1 ? FakeHttp.Status(HttpStatusCode.ServiceUnavailable) : FakeHttp.Status(HttpStatusCode.Created));
        var session = NewSession(http);
        var bytes = "0123456789"u8.ToArray();
        var options = new RequestOptions { MaxAttempts = 2 };

        var reopened = await session.PutAsync("/c/o", RequestBody.FromStreamFactory(() => new MemoryStream(bytes), bytes.Length), ServiceFilter.ObjectStore, options: options);
        Assert.Equal(HttpStatusCode.Created, reopened.Status);
        Assert.All(http.Requests, r => Assert.Equal(bytes, r.Body));

        var oneShot = new OneShotStream(bytes);
        var error = await Assert.ThrowsAsync<HttpErrorException>(() =>
            session.PutAsync("/c/o2", RequestBody.FromStream(oneShot, bytes.Length), ServiceFilter.ObjectStore, options: options));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.Status);
        Assert.Equal(3, http.Requests.Count); // the unrewindable body was not sent a second time
    }

    [Fact]
    public async Task A_streamed_response_is_read_by_the_caller()
    {
        var payload = new byte[1 << 20];
        Random.Shared.NextBytes(payload);
        var http = new FakeHttp(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(payload) });
        var session = NewSession(http);

        using var response = await session.GetAsync("/c/big", ServiceFilter.ObjectStore, options: new RequestOptions { StreamResponse = true });
        Assert.True(response.Body.IsEmpty);
        using var copy = new MemoryStream();
        await response.BodyStream!.CopyToAsync(copy);

        Assert.Equal(payload, copy.ToArray());
    }

    private sealed class OneShotStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
