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

/// <summary>A Keystone and a Swift in one fake: Keystone issues tok-1, tok-2...; Swift accepts only tokens not revoked.</summary>
internal sealed class FakeCloud
{
    private readonly HashSet<string> _revoked = new();
    private int _issued;
    private readonly object _gate = new();

    public FakeCloud(string password = "s3cret-pass")
    {
        Http = new FakeHttp(RespondAsync);
        Password = password;
    }

    public FakeHttp Http { get; }
    public string Password { get; }
    public int TokenRequests => Http.Requests.Count(r => r.Url.AbsolutePath.EndsWith("/auth/tokens"));
    public string LastToken => "tok-" + _issued;
    public TimeSpan TokenLife { get; set; } = TimeSpan.FromHours(1);

    public void Revoke(string token) { lock (_gate) _revoked.Add(token); }

    private TaskCompletionSource? _rejectionsReleased;
    private int _rejectionsToHold;

    /// <summary>Holds 401 answers until this many requests with a revoked token are on the wire together.</summary>
    public void HoldRejectionsUntil(int count)
    {
        _rejectionsToHold = count;
        _rejectionsReleased = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private async Task<HttpResponseMessage> RespondAsync(RecordedRequest r, CancellationToken ct)
    {
        var response = Respond(r);
        if (response.StatusCode == HttpStatusCode.Unauthorized && r.Token is not null && _rejectionsReleased is { } released)
        {
            if (Interlocked.Decrement(ref _rejectionsToHold) == 0) released.SetResult();
            await released.Task.WaitAsync(ct);
        }
        return response;
    }

    public KeystonePasswordAuthenticator Authenticator(string? password = null) =>
        new(new Uri(KeystoneCanned.AuthUrl), password ?? Password, AuthScope.ProjectName("demo"), userName: "demo");

    private HttpResponseMessage Respond(RecordedRequest r)
    {
        if (r.Url.AbsolutePath == "/v3/auth/tokens")
        {
            if (!r.BodyText.Contains(Password)) return KeystoneCanned.Unauthorized();
            var n = Interlocked.Increment(ref _issued);
            return KeystoneCanned.Token("tok-" + n, DateTimeOffset.UtcNow + TokenLife);
        }
        lock (_gate)
        {
            if (r.Token is null || _revoked.Contains(r.Token)) return FakeHttp.Status(HttpStatusCode.Unauthorized, "<html><h1>Unauthorized</h1></html>");
        }
        return FakeHttp.Json(HttpStatusCode.OK, "[]");
    }
}

public sealed class ReauthenticationTests() : TestKit(TestConfigs.DebugLogging)
{
    [Fact]
    public async Task Concurrent_401s_for_a_revoked_token_cause_one_reauthentication_and_all_requests_succeed()
    {
        var cloud = new FakeCloud();
        var session = new OpenStackSession(Sys.ActorOf(SessionActor.Props(cloud.Authenticator(), SessionSettings.Default, cloud.Http)), SessionSettings.Default);
        await session.GetAsync("/", ServiceFilter.ObjectStore);
        Assert.Equal(1, cloud.TokenRequests);

        cloud.Revoke("tok-1");
        cloud.HoldRejectionsUntil(256);
        var responses = await Task.WhenAll(Enumerable.Range(0, 256).Select(i => session.GetAsync($"/c{i}", ServiceFilter.ObjectStore)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(2, cloud.TokenRequests);
        var stats = await session.GetStatsAsync();
        Assert.Equal(1, stats.Reauthentications);
        Assert.Equal(0, stats.Pending);
        var swift = cloud.Http.Requests.Where(r => r.Url.Host == "swift.test").ToList();
        Assert.Equal(1 + 256, swift.Count(r => r.Token == "tok-1"));
        Assert.Equal(256, swift.Count(r => r.Token == "tok-2"));
    }

    [Fact]
    public async Task A_second_401_after_reauthentication_is_reported_not_retried_forever()
    {
        var http = new FakeHttp(r => r.Url.AbsolutePath == "/v3/auth/tokens"
            ? KeystoneCanned.Token("tok-" + Guid.NewGuid().ToString("N")[..6], DateTimeOffset.UtcNow.AddHours(1))
            : FakeHttp.Status(HttpStatusCode.Unauthorized));
        var auth = new KeystonePasswordAuthenticator(new Uri(KeystoneCanned.AuthUrl), "pw", AuthScope.ProjectName("demo"), userName: "demo");
        var session = new OpenStackSession(Sys.ActorOf(SessionActor.Props(auth, SessionSettings.Default, http)), SessionSettings.Default);

        var error = await Assert.ThrowsAsync<HttpErrorException>(() => session.GetAsync("/", ServiceFilter.ObjectStore));

        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
        Assert.Equal(2, http.Requests.Count(r => r.Url.Host == "swift.test"));
        Assert.Equal(2, http.Requests.Count(r => r.Url.Host == "keystone.test"));
    }

    [Fact]
    public async Task Wrong_password_fails_typed_with_one_keystone_request_for_many_callers()
    {
        var cloud = new FakeCloud();
        var session = new OpenStackSession(Sys.ActorOf(SessionActor.Props(cloud.Authenticator("wrong-password"), SessionSettings.Default, cloud.Http)), SessionSettings.Default);

        var attempts = Enumerable.Range(0, 20).Select(_ => session.GetAsync("/", ServiceFilter.ObjectStore)).ToList();
        foreach (var attempt in attempts)
        {
            var error = await Assert.ThrowsAsync<AuthenticationFailedException>(() => attempt);
            Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
            Assert.Contains("user demo", error.Message);
            Assert.DoesNotContain("wrong-password", error.Message);
        }
        await Assert.ThrowsAsync<AuthenticationFailedException>(() => session.GetAsync("/again", ServiceFilter.ObjectStore));

        Assert.Equal(1, cloud.TokenRequests);
        Assert.DoesNotContain(cloud.Http.Requests, r => r.Url.Host == "swift.test");
    }

    [Fact]
    public async Task The_password_request_body_is_keystone_v3_with_user_domain_and_project_scope()
    {
        var cloud = new FakeCloud();
        var session = new OpenStackSession(Sys.ActorOf(SessionActor.Props(cloud.Authenticator(), SessionSettings.Default, cloud.Http)), SessionSettings.Default);

        var access = await session.GetAccessAsync();

        var sent = Assert.Single(cloud.Http.Requests);
        Assert.Equal(HttpMethod.Post, sent.Method);
        Assert.Equal("http://keystone.test:5000/v3/auth/tokens", sent.Url.AbsoluteUri);
        Assert.Null(sent.Token);
        using var doc = System.Text.Json.JsonDocument.Parse(sent.Body);
        var auth = doc.RootElement.GetProperty("auth");
        Assert.Equal("password", auth.GetProperty("identity").GetProperty("methods")[0].GetString());
        var user = auth.GetProperty("identity").GetProperty("password").GetProperty("user");
        Assert.Equal("demo", user.GetProperty("name").GetString());
        Assert.Equal("Default", user.GetProperty("domain").GetProperty("name").GetString());
        Assert.Equal(cloud.Password, user.GetProperty("password").GetString());
        Assert.Equal("demo", auth.GetProperty("scope").GetProperty("project").GetProperty("name").GetString());
        Assert.Equal("tok-1", access.Token.Value);
        Assert.Equal("p-demo", access.ProjectId);
        Assert.Equal(new Uri(KeystoneCanned.SwiftPublic), access.Catalog.Resolve(ServiceFilter.ObjectStore));
        Assert.DoesNotContain("tok-1", access.ToString());
    }

    [Fact]
    public async Task The_token_goes_only_to_the_clouds_own_hosts_unless_allowed()
    {
        var cloud = new FakeCloud();
        var session = new OpenStackSession(Sys.ActorOf(SessionActor.Props(cloud.Authenticator(), SessionSettings.Default, cloud.Http)), SessionSettings.Default);

        await session.GetAsync("http://swift.test:8080/v1/AUTH_demo/c");
        await session.GetAsync("http://elsewhere.test/x", options: new RequestOptions { RaiseOnError = false });
        await session.GetAsync("http://elsewhere.test/y", options: new RequestOptions { RaiseOnError = false, AllowTokenToForeignHost = true });

        var sent = cloud.Http.Requests.Where(r => r.Url.AbsolutePath != "/v3/auth/tokens").ToList();
        Assert.Equal("tok-1", sent[0].Token);
        Assert.Null(sent[1].Token);
        Assert.Equal("tok-1", sent[2].Token);
    }
}
