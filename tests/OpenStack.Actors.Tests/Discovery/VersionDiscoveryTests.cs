using OpenStack.Actors.Discovery;
using OpenStack.Actors.Http;
using Xunit;
using static OpenStack.Actors.Tests.Discovery.CannedDocuments;

namespace OpenStack.Actors.Tests.Discovery;

/// <summary>Parsing version documents and choosing a version and microversion, with the services' own documents.</summary>
public sealed class VersionDiscoveryTests
{
    private static readonly Uri NovaCatalog = new("http://nova.test:8774/v2.1");
    private static readonly Uri PlacementCatalog = new("http://placement.test:8778");

    private static IReadOnlyList<DiscoveredVersion> Parse(string json, string url, int status = 200) =>
        VersionDocument.TryParse(status, Bytes(json), new Uri(url)) ?? throw new Xunit.Sdk.XunitException("not a version document");

    [Fact]
    public void Novas_root_lists_both_versions_with_the_microversion_range_from_min_version_and_version()
    {
        var versions = Parse(NovaRoot, "http://nova.test:8774/", status: 300);

        Assert.Equal(["v2.0", "v2.1"], versions.Select(v => v.Id));
        Assert.False(versions[0].HasMicroversions);   // "" is no microversion
        Assert.Equal(VersionStatus.Supported, versions[0].Status);
        Assert.Equal(new Microversion(2, 1), versions[1].MinMicroversion);
        Assert.Equal(new Microversion(2, 95), versions[1].MaxMicroversion);
        Assert.Equal(new Uri("http://nova.test:8774/v2.1/"), versions[1].Url);
    }

    [Fact]
    public void A_microversion_chooses_the_version_whose_range_holds_it_and_the_catalog_url_stays_when_it_points_there()
    {
        var endpoint = VersionSelection.Select("compute", NovaCatalog, Parse(NovaRoot, "http://nova.test:8774/", 300), ApiVersionRequest.ForMicroversion("2.30"));

        Assert.Equal("v2.1", endpoint.Version!.Id);
        Assert.Equal("2.30", endpoint.Microversion);
        Assert.Equal(NovaCatalog, endpoint.Url);
    }

    [Fact]
    public void A_catalog_url_with_a_project_id_under_the_chosen_version_is_kept()
    {
        var catalog = new Uri("http://nova.test:8774/v2.1/p-demo");

        var endpoint = VersionSelection.Select("compute", catalog, Parse(NovaVersioned, catalog.AbsoluteUri), new ApiVersionRequest { Discover = true });

        Assert.Equal(catalog, endpoint.Url);
        Assert.Equal(new Microversion(2, 95), endpoint.Version!.MaxMicroversion);
    }

    [Fact]
    public void A_versioned_endpoint_answers_one_version()
    {
        var versions = Parse(NovaVersioned, "http://nova.test:8774/v2.1");

        var only = Assert.Single(versions);
        Assert.Equal(new Microversion(2, 1), only.Version);
    }

    [Fact]
    public void Placements_empty_self_link_is_the_documents_own_url_and_max_version_is_its_maximum()
    {
        var only = Assert.Single(Parse(Placement, "http://placement.test:8778/"));

        Assert.Equal(new Uri("http://placement.test:8778/"), only.Url);
        Assert.Equal(new Microversion(1, 0), only.MinMicroversion);
        Assert.Equal(new Microversion(1, 39), only.MaxMicroversion);
    }

    [Theory]
    [InlineData("1.10", "1.10")]
    [InlineData("1.0", "1.0")]
    [InlineData("1.39", "1.39")]
    [InlineData("latest", "1.39")]
    [InlineData("LATEST", "1.39")]
    public void A_microversion_in_placements_range_is_negotiated(string requested, string sent)
    {
        var endpoint = VersionSelection.Select("placement", PlacementCatalog, Parse(Placement, "http://placement.test:8778/"), ApiVersionRequest.ForMicroversion(requested));

        Assert.Equal(sent, endpoint.Microversion);
        Assert.Equal(new Uri("http://placement.test:8778/"), endpoint.Url);
    }

    [Theory]
    [InlineData("1.99")]
    [InlineData("1.40")]
    [InlineData("2.1")]
    public void A_microversion_outside_the_range_names_the_range(string requested)
    {
        var error = Assert.Throws<MicroversionNotSupportedException>(() =>
            VersionSelection.Select("placement", PlacementCatalog, Parse(Placement, "http://placement.test:8778/"), ApiVersionRequest.ForMicroversion(requested)));

        Assert.Equal($"placement supports 1.0 to 1.39; {requested} was requested", error.Message);
        Assert.Equal(new Microversion(1, 39), error.Max);
    }

    [Theory]
    [InlineData(null, "1.30", "1.30")]
    [InlineData("latest", "1.50", "1.39")]
    [InlineData("1.20", "1.50", "1.39")]
    [InlineData("1.0", "1.0", "1.0")]
    public void A_ceiling_gives_the_newest_microversion_both_sides_serve(string? microversion, string max, string sent)
    {
        var endpoint = VersionSelection.Select("placement", PlacementCatalog, Parse(Placement, "http://placement.test:8778/"),
            new ApiVersionRequest { Microversion = microversion, MaxMicroversion = max });

        Assert.Equal(sent, endpoint.Microversion);
    }

    [Fact]
    public void A_ceiling_range_the_service_does_not_reach_names_both_ranges()
    {
        var error = Assert.Throws<MicroversionNotSupportedException>(() => VersionSelection.Select("placement", PlacementCatalog,
            Parse(Placement, "http://placement.test:8778/"), new ApiVersionRequest { Microversion = "1.40", MaxMicroversion = "1.45" }));

        Assert.Equal("placement supports 1.0 to 1.39; 1.40 to 1.45 was requested", error.Message);
    }

    [Theory]
    [InlineData("1.5", "1.4", "The microversion 1.5 is above the maximum 1.4")]
    [InlineData(null, "latest", "The maximum microversion 'latest' is not X.Y (e.g. 1.30)")]
    [InlineData("x", null, "'x' is not a microversion (expected X.Y, e.g. 1.30, or 'latest')")]
    public void A_malformed_request_is_named(string? microversion, string? max, string problem) =>
        Assert.Equal(problem, new ApiVersionRequest { Microversion = microversion, MaxMicroversion = max }.Problem());

    [Fact]
    public void Keystones_values_list_gives_the_newest_stable_version_and_a_deprecated_one_only_on_request()
    {
        var versions = Parse(KeystoneRoot, "http://keystone.test:5000/", status: 300);
        var catalog = new Uri("http://keystone.test:5000/v3");

        Assert.Equal("v3.14", VersionSelection.Select("identity", catalog, versions, new ApiVersionRequest { Discover = true }).Version!.Id);
        var v2 = VersionSelection.Select("identity", catalog, versions, new ApiVersionRequest { Major = 2 });
        Assert.Equal(VersionStatus.Deprecated, v2.Version!.Status);
        Assert.Equal(new Uri("http://keystone.test:5000/v2.0/"), v2.Url);
        var none = Assert.Throws<ApiVersionNotFoundException>(() => VersionSelection.Select("identity", catalog, versions, new ApiVersionRequest { Major = 4 }));
        Assert.Equal("identity offers v2.0 (Deprecated), v3.14 (Stable); v4 was requested", none.Message);
    }

    [Fact]
    public void A_service_without_microversions_refuses_one()
    {
        var versions = Parse(KeystoneRoot, "http://keystone.test:5000/", status: 300);

        var error = Assert.Throws<MicroversionNotSupportedException>(() =>
            VersionSelection.Select("identity", new Uri("http://keystone.test:5000/v3"), versions, ApiVersionRequest.ForMicroversion("3.1")));

        Assert.Equal("identity does not support microversions; 3.1 was requested", error.Message);
    }

    [Theory]
    [InlineData(200, SwiftAccountListing)]
    [InlineData(200, SwiftInfo)]
    [InlineData(200, "<html>not json</html>")]
    [InlineData(404, Placement)]
    [InlineData(401, Placement)]
    [InlineData(200, "")]
    [InlineData(200, """{"versions": "v1"}""")]
    public void What_is_not_a_version_document_is_none(int status, string body) =>
        Assert.Null(VersionDocument.TryParse(status, Bytes(body), new Uri("http://swift.test:8080/v1/AUTH_demo")));

    [Fact]
    public void Without_a_document_the_catalog_url_is_used_and_the_microversion_passes_unchecked()
    {
        var catalog = new Uri("http://swift.test:8080/v1/AUTH_demo");

        var endpoint = VersionSelection.Select("object-store", catalog, null, ApiVersionRequest.ForMicroversion("latest"));

        Assert.Equal(catalog, endpoint.Url);
        Assert.Null(endpoint.Version);
        Assert.Equal("latest", endpoint.Microversion);
    }

    [Fact]
    public void Experimental_versions_and_entries_without_status_or_self_link_are_not_chosen()
    {
        const string doc = """
            {"versions": [
              {"id": "v1.0", "status": "CURRENT", "links": [{"rel": "self", "href": "http://s.test/v1/"}]},
              {"id": "v2.0", "status": "EXPERIMENTAL", "links": [{"rel": "self", "href": "http://s.test/v2/"}]},
              {"id": "v3.0", "links": [{"rel": "self", "href": "http://s.test/v3/"}]},
              {"id": "v4.0", "status": "CURRENT", "links": [{"rel": "describedby", "href": "http://docs/"}]}]}
            """;
        var versions = Parse(doc, "http://s.test/");

        Assert.Equal(["v1.0", "v2.0"], versions.Select(v => v.Id));
        Assert.Equal("v1.0", VersionSelection.Select("x", new Uri("http://s.test/"), versions, new ApiVersionRequest { Discover = true }).Version!.Id);
    }

    [Theory]
    [InlineData("http://nova.test:8774/v2.1/p-demo", "http://nova.test:8774/")]
    [InlineData("http://cloud.test/compute/v2.1", "http://cloud.test/compute/")]
    [InlineData("http://swift.test:8080/v1/AUTH_demo", "http://swift.test:8080/")]
    [InlineData("http://keystone.test:5000/v3", "http://keystone.test:5000/")]
    public void The_unversioned_root_is_tried_after_the_catalog_url(string catalog, string root) =>
        Assert.Equal([new Uri(catalog), new Uri(root)], VersionDocument.Candidates(new Uri(catalog)));

    [Theory]
    [InlineData("http://placement.test:8778")]
    [InlineData("http://placement.test:8778/")]
    [InlineData("http://cloud.test/placement")]
    public void An_unversioned_catalog_url_is_the_only_candidate(string catalog) =>
        Assert.Equal([new Uri(catalog)], VersionDocument.Candidates(new Uri(catalog)));
}
