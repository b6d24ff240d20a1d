using System.Text.Json;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Tests.Support;
using Xunit;

namespace OpenStack.Actors.Tests.Auth;

public sealed class KeystoneBodyTests
{
    private static async Task<JsonElement> SentAuth(IAuthenticator authenticator)
    {
        var http = new FakeHttp(_ => KeystoneCanned.Token("tok", DateTimeOffset.UtcNow.AddHours(1)));
        using var client = new HttpClient(http);
        var access = await authenticator.AuthenticateAsync(client, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal("tok", access.Token.Value);
        var sent = Assert.Single(http.Requests);
        Assert.Equal("http://keystone.test:5000/v3/auth/tokens", sent.Url.AbsoluteUri);
        return JsonDocument.Parse(sent.Body).RootElement.GetProperty("auth").Clone();
    }

    [Fact]
    public async Task Application_credential_by_id_and_by_name_with_user()
    {
        var byId = await SentAuth(new KeystoneApplicationCredentialAuthenticator(new Uri("http://keystone.test:5000"), "s3", id: "ac-1"));
        var ac = byId.GetProperty("identity").GetProperty("application_credential");
        Assert.Equal("ac-1", ac.GetProperty("id").GetString());
        Assert.Equal("s3", ac.GetProperty("secret").GetString());
        Assert.False(byId.TryGetProperty("scope", out _));

        var byName = await SentAuth(new KeystoneApplicationCredentialAuthenticator(new Uri(KeystoneCanned.AuthUrl), "s3", name: "mine", userName: "demo"));
        var user = byName.GetProperty("identity").GetProperty("application_credential").GetProperty("user");
        Assert.Equal("demo", user.GetProperty("name").GetString());
        Assert.Equal("Default", user.GetProperty("domain").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Token_method_with_domain_scope_and_password_by_user_id_unscoped()
    {
        var token = await SentAuth(new KeystoneTokenAuthenticator(new Uri(KeystoneCanned.AuthUrl), "old-token", AuthScope.Domain(id: "default")));
        Assert.Equal("old-token", token.GetProperty("identity").GetProperty("token").GetProperty("id").GetString());
        Assert.Equal("default", token.GetProperty("scope").GetProperty("domain").GetProperty("id").GetString());

        var byId = await SentAuth(new KeystonePasswordAuthenticator(new Uri(KeystoneCanned.AuthUrl), "pw", AuthScope.Unscoped, userId: "u-1"));
        Assert.Equal("u-1", byId.GetProperty("identity").GetProperty("password").GetProperty("user").GetProperty("id").GetString());
        Assert.False(byId.TryGetProperty("scope", out _));
    }

    [Fact]
    public void Descriptions_name_the_identity_but_never_the_secret()
    {
        var password = new KeystonePasswordAuthenticator(new Uri(KeystoneCanned.AuthUrl), "hunter2", AuthScope.ProjectName("demo"), userName: "demo");
        var appcred = new KeystoneApplicationCredentialAuthenticator(new Uri(KeystoneCanned.AuthUrl), "hunter3", id: "ac-1");
        Assert.Contains("demo", password.Description);
        Assert.DoesNotContain("hunter2", password.Description + password);
        Assert.Contains("ac-1", appcred.Description);
        Assert.DoesNotContain("hunter3", appcred.Description + appcred);
    }
}
