using System.Text.Json;
using OpenStack.Actors.Catalog;
using Xunit;

namespace OpenStack.Actors.TestKit.Tests;

public sealed class KeystoneFixturesTests
{
    [Fact]
    public void The_token_body_has_the_shape_of_Keystone_v3()
    {
        var expires = new DateTimeOffset(2030, 1, 31, 12, 0, 0, TimeSpan.Zero);
        using var doc = JsonDocument.Parse(KeystoneFixtures.TokenResponseJson(expiresAt: expires));
        var token = doc.RootElement.GetProperty("token");

        Assert.Equal("password", token.GetProperty("methods")[0].GetString());
        Assert.Equal("2030-01-31T12:00:00.000000Z", token.GetProperty("expires_at").GetString());
        Assert.Equal("u-demo", token.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("Default", token.GetProperty("user").GetProperty("domain").GetProperty("name").GetString());
        Assert.Equal("p-demo", token.GetProperty("project").GetProperty("id").GetString());
        Assert.Equal("member", token.GetProperty("roles")[0].GetProperty("name").GetString());
        var swift = token.GetProperty("catalog").EnumerateArray().Single(s => s.GetProperty("type").GetString() == "object-store");
        Assert.Equal("swift", swift.GetProperty("name").GetString());
        Assert.Equal(32, swift.GetProperty("id").GetString()!.Length);
        var endpoint = swift.GetProperty("endpoints")[0];
        foreach (var key in new[] { "id", "interface", "region", "region_id", "url" }) Assert.True(endpoint.TryGetProperty(key, out _), key);
    }

    [Fact]
    public void An_unscoped_token_has_no_project_and_no_catalog()
    {
        using var doc = JsonDocument.Parse(KeystoneFixtures.TokenResponseJson(identity: new KeystoneIdentity { ProjectId = null, ProjectName = null }));
        var token = doc.RootElement.GetProperty("token");
        Assert.False(token.TryGetProperty("project", out _));
        Assert.False(token.TryGetProperty("catalog", out _));
    }

    [Fact]
    public void Built_catalogs_parse_through_the_librarys_own_parser_and_resolve_by_region_and_interface()
    {
        var catalog = new CatalogBuilder()
            .AddService("object-store", "swift", "RegionOne", "http://one.test/v1/AUTH_p", internalUrl: "http://10.0.0.1/v1/AUTH_p")
            .Add("object-store", "http://two.test/v1/AUTH_p", region: "RegionTwo")
            .Add("volumev3", "http://cinder.test/v3/p")
            .Build();

        Assert.Equal(new Uri("http://one.test/v1/AUTH_p"), catalog.Resolve(ServiceFilter.ObjectStore));
        Assert.Equal(new Uri("http://10.0.0.1/v1/AUTH_p"), catalog.Resolve(ServiceFilter.ObjectStore.WithInterface("internal")));
        Assert.Equal(new Uri("http://two.test/v1/AUTH_p"), catalog.Resolve(ServiceFilter.ObjectStore.InRegion("RegionTwo")));
        Assert.Equal(new Uri("http://cinder.test/v3/p"), catalog.Resolve(new ServiceFilter("block-storage")));
        Assert.Equal(CatalogBuilder.Default().ToJson(), CatalogBuilder.Default().ToJson());   // stable ids
        Assert.Equal(5, CatalogBuilder.MultiRegion("A", "B").Endpoints.Count);
    }

    [Fact]
    public void Access_gives_an_AccessInfo_as_the_library_would_parse_it()
    {
        var access = KeystoneFixtures.Access("t", CatalogBuilder.ObjectStoreOnly(), generation: 4);
        Assert.Equal("t", access.Token.Value);
        Assert.Equal(4, access.Generation);
        Assert.True(access.IsOwnEndpoint(new Uri(KeystoneFixtures.AuthUrl)));
        Assert.Equal(new Uri(KeystoneFixtures.SwiftUrl), access.Catalog.Resolve(ServiceFilter.ObjectStore));
    }

    [Fact]
    public void Url_patterns_match_exactly_by_prefix_by_glob_or_by_regex()
    {
        UrlPattern exact = "/?format=json", glob = "/photos/*";
        Assert.True(exact.IsMatch("/?format=json"));
        Assert.False(exact.IsMatch("/x?format=json"));                 // '?' is literal
        Assert.True(glob.IsMatch("/photos/a/b.txt"));
        Assert.False(glob.IsMatch("/photos"));
        Assert.True(UrlPattern.Prefix("http://swift").IsMatch("http://swift.test/v1"));
        Assert.True(UrlPattern.Regex("^/v[0-9]+/").IsMatch("/v1/AUTH_x"));
        Assert.Equal("glob '/photos/*'", glob.ToString());
    }
}
