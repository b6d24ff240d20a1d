using System.Text.Json;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Support;
using Xunit;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.Catalog;

public sealed class ServiceCatalogTests
{
    private static ServiceCatalog Catalog()
    {
        using var doc = JsonDocument.Parse(KeystoneCanned.CatalogJson(KeystoneCanned.DefaultCatalog));
        return ServiceCatalog.ParseV3(doc.RootElement);
    }

    [Theory]
    [InlineData("object-store", "http://swift.test:8080/v1/AUTH_demo")]
    [InlineData("object_store", "http://swift.test:8080/v1/AUTH_demo")]
    [InlineData("block-storage", "http://cinder.test:8776/v3/demo")]
    [InlineData("volumev3", "http://cinder.test:8776/v3/demo")]
    [InlineData("volume", "http://cinder.test:8776/v3/demo")]
    public void Service_types_and_their_official_aliases_resolve(string type, string expected) =>
        Assert.Equal(expected, Catalog().Resolve(new ServiceFilter(type)).AbsoluteUri);

    [Fact]
    public void Interface_preference_region_and_name_choose_the_endpoint()
    {
        var c = Catalog();
        Assert.Equal("http://swift-internal.test:8080/v1/AUTH_demo", c.Resolve(ServiceFilter.ObjectStore.WithInterface("internal")).AbsoluteUri);
        Assert.Equal("http://swift-admin.test:8080/v1", c.Resolve(ServiceFilter.ObjectStore.WithInterface("adminURL")).AbsoluteUri);
        Assert.Equal("http://swift-internal.test:8080/v1/AUTH_demo",
            c.Resolve(ServiceFilter.ObjectStore.WithInterface("internal", "public")).AbsoluteUri);
        Assert.Equal("http://swift-two.test:8080/v1/AUTH_demo",
            c.Resolve(ServiceFilter.ObjectStore.WithInterface("internal", "public").InRegion("RegionTwo")).AbsoluteUri);
        Assert.Equal("http://swift.test:8080/v1/AUTH_demo", c.Resolve(ServiceFilter.ObjectStore with { ServiceName = "swift" }).AbsoluteUri);
    }

    [Fact]
    public void A_filter_resolved_again_gets_the_same_endpoint_and_other_filters_their_own()
    {
        var c = Catalog();
        var internalOnly = ServiceFilter.ObjectStore.WithInterface("internal");

        Assert.Equal("http://swift.test:8080/v1/AUTH_demo", c.Resolve(ServiceFilter.ObjectStore).AbsoluteUri);
        Assert.Equal("http://swift-internal.test:8080/v1/AUTH_demo", c.Resolve(internalOnly).AbsoluteUri);
        Assert.Equal("http://swift.test:8080/v1/AUTH_demo", c.Resolve(ServiceFilter.ObjectStore).AbsoluteUri);
        Assert.Equal("http://swift-internal.test:8080/v1/AUTH_demo", c.Resolve(internalOnly).AbsoluteUri);
        // An equal filter that is another instance, and a filter derived from a resolved one, are resolved by their fields.
        Assert.Equal("http://swift-internal.test:8080/v1/AUTH_demo", c.Resolve(ServiceFilter.ObjectStore.WithInterface("internal")).AbsoluteUri);
        Assert.Equal("http://swift-two.test:8080/v1/AUTH_demo", c.Resolve(internalOnly.WithInterface("internal", "public").InRegion("RegionTwo")).AbsoluteUri);
        Assert.Throws<EndpointNotFoundException>(() => c.Resolve(internalOnly.InRegion("RegionTwo")));
        Assert.Throws<EndpointNotFoundException>(() => c.Resolve(internalOnly.InRegion("RegionTwo")));
    }

    [Fact]
    public void Version_matches_the_url_path_or_a_versioned_alias()
    {
        var c = Catalog();
        Assert.Equal("http://swift.test:8080/v1/AUTH_demo", c.Resolve(ServiceFilter.ObjectStore with { Version = "1" }).AbsoluteUri);
        Assert.Equal("http://cinder.test:8776/v3/demo", c.Resolve(new ServiceFilter("block-storage") { Version = "v3.0" }).AbsoluteUri);
        Assert.Throws<EndpointNotFoundException>(() => c.Resolve(ServiceFilter.ObjectStore with { Version = "2" }));
    }

    [Fact]
    public void No_match_names_the_filter_and_lists_what_the_catalog_offers()
    {
        var error = Assert.Throws<EndpointNotFoundException>(() => Catalog().Resolve(ServiceFilter.ObjectStore.WithInterface("internal").InRegion("RegionTwo")));

        Assert.Contains("service type 'object-store'", error.Message);
        Assert.Contains("interface internal", error.Message);
        Assert.Contains("region 'RegionTwo'", error.Message);
        Assert.Contains("object-store (swift) public RegionTwo http://swift-two.test:8080/v1/AUTH_demo", error.Available);
        Assert.Equal(KeystoneCanned.DefaultCatalog.Length, error.Available.Count);
    }

    [Fact]
    public void Endpoint_override_bypasses_the_catalog()
    {
        var overridden = new Uri("http://other.test/v1/AUTH_x");
        Assert.Equal(overridden, ServiceCatalog.Empty.Resolve(ServiceFilter.ObjectStore with { EndpointOverride = overridden }));
    }

    [Fact]
    public void Only_catalog_origins_count_as_the_clouds_own()
    {
        var c = Catalog();
        Assert.True(c.Contains(new Uri("http://swift.test:8080/v1/AUTH_other/c")));
        Assert.False(c.Contains(new Uri("http://swift.test:9999/v1/AUTH_demo")));
        Assert.False(c.Contains(new Uri("https://swift.test:8080/v1/AUTH_demo")));
        Assert.False(c.Contains(new Uri("http://evil.test/")));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""[{"name": "no type"}]""")]
    [InlineData("""[{"type": "x", "endpoints": [{"interface": "public", "url": "not a url"}]}]""")]
    public void A_malformed_catalog_is_a_clear_error(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var error = Assert.ThrowsAny<OpenStackException>(() => ServiceCatalog.ParseV3(doc.RootElement));
        Assert.StartsWith("Malformed service catalog", error.Message);
    }
}
