using System.Diagnostics;
using System.Text.Json.Nodes;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Discovery;
using OpenStack.Actors.Http;
using OpenStack.Actors.Session;
using Xunit;

namespace OpenStack.Actors.Tests.Integration;

/// <summary>Version discovery, microversions and the global request id against the real Placement of scripts/devcloud.sh
/// (behind Keystone's authtoken, registered in the catalog as <c>placement</c>).</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class PlacementIntegrationTests : TestKit
{
    private static readonly ServiceFilter Placement = new("placement");

    private ServiceClient Client(string? microversion = null) =>
        SessionFactory.Create(Sys, DevCloud.Admin()).For(Placement, new() { Api = new ApiVersionRequest { Microversion = microversion } });

    /// <summary>Placement's own version document, read without the library: the facts the tests compare with.</summary>
    private static async Task<(string Min, string Max)> RawDocument()
    {
        using var http = new HttpClient();
        var doc = JsonNode.Parse(await http.GetStringAsync(DevCloud.Get("DEVCLOUD_PLACEMENT_URL") + "/"))!;
        var v = doc["versions"]![0]!;
        return ((string)v["min_version"]!, (string)v["max_version"]!);
    }

    [Fact]
    public async Task Discovery_reads_placements_version_document_and_chooses_its_endpoint()
    {
        var (min, max) = await RawDocument();

        var endpoint = await Client().GetEndpointAsync();

        Assert.Equal("placement", endpoint.ServiceType);
        Assert.Equal(new Uri(DevCloud.Get("DEVCLOUD_PLACEMENT_URL") + "/"), endpoint.Url);
        Assert.NotNull(endpoint.Version);
        Assert.Equal("v1.0", endpoint.Version.Id);
        Assert.Equal(VersionStatus.Current, endpoint.Version.Status);
        Assert.Equal(Microversion.Parse(min), endpoint.Version.MinMicroversion);
        Assert.Equal(Microversion.Parse(max), endpoint.Version.MaxMicroversion);
    }

    [Fact]
    public async Task A_microversion_in_the_range_is_sent_and_served()
    {
        var response = await Client("1.10").GetAsync("resource_providers");

        Assert.True(response.IsSuccess);
        Assert.Equal(new Microversion(1, 10), response.ApiVersion);
        Assert.Equal("placement 1.10", response.Header("OpenStack-API-Version"));
    }

    [Fact]
    public async Task Latest_is_the_documents_maximum()
    {
        var (_, max) = await RawDocument();

        var response = await Client(Microversion.Latest).GetAsync("resource_providers");

        Assert.Equal(Microversion.Parse(max), response.ApiVersion);
    }

    [Fact]
    public async Task A_ceiling_below_the_services_maximum_is_what_is_served()
    {
        var client = SessionFactory.Create(Sys, DevCloud.Admin()).For(Placement, new() { Api = new ApiVersionRequest { Microversion = "latest", MaxMicroversion = "1.20" } });

        var response = await client.GetAsync("resource_providers");

        Assert.Equal(new Microversion(1, 20), response.ApiVersion);
    }

    [Fact]
    public async Task A_microversion_outside_the_range_is_a_typed_error_naming_the_range()
    {
        var (min, max) = await RawDocument();

        var error = await Assert.ThrowsAsync<MicroversionNotSupportedException>(() => Client("1.999").GetAsync("resource_providers"));

        Assert.Equal($"placement supports {Microversion.Parse(min)} to {Microversion.Parse(max)}; 1.999 was requested", error.Message);
        Assert.Equal(Microversion.Parse(max), error.Max);
    }

    [Fact]
    public async Task The_global_request_id_reaches_placements_log()
    {
        var id = $"req-{Guid.NewGuid()}";

        var response = await Client("1.10").GetAsync("resource_providers", options: new RequestOptions { GlobalRequestId = id });

        Assert.NotNull(response.RequestId);
        Assert.NotEqual(id, response.RequestId);   // the service's own id comes back; the global one is in its log
        var line = await DevCloud.PlacementLogLineWith(id);
        Assert.Contains("GET /resource_providers", line);
        Assert.Contains(response.RequestId, line);
    }

    [Fact]
    public async Task Without_an_explicit_id_the_callers_trace_gives_the_global_request_id()
    {
        using var source = new ActivitySource("placement-test");
        using var listener = new ActivityListener { ShouldListenTo = s => s == source, Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData };
        ActivitySource.AddActivityListener(listener);
        var client = Client();
        using var activity = source.StartActivity("caller")!;

        var response = await client.GetAsync("resource_providers");

        var expected = ApiHeaders.GlobalRequestIdFor(activity.TraceId)!;
        Assert.Matches("^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", expected);
        Assert.Contains(response.RequestId!, await DevCloud.PlacementLogLineWith(expected));
    }

    [Fact]
    public async Task Swift_has_no_version_document_and_keeps_its_catalog_url()
    {
        var session = SessionFactory.Create(Sys, DevCloud.Demo());

        var endpoint = await session.For(ServiceFilter.ObjectStore).GetEndpointAsync();

        Assert.Null(endpoint.Version);
        Assert.Equal(new Uri(DevCloud.Get("DEVCLOUD_DEMO_SWIFT_PUBLIC_URL")), endpoint.Url);
        Assert.True((await session.For(ServiceFilter.ObjectStore, new() { Api = new() { Discover = true } }).HeadAsync("")).IsSuccess);
    }

    [Fact]
    public async Task Keystone_is_discovered_at_its_versioned_catalog_url()
    {
        var endpoint = await SessionFactory.Create(Sys, DevCloud.Demo()).For(ServiceFilter.Identity).GetEndpointAsync();

        Assert.NotNull(endpoint.Version);
        Assert.Equal(3, endpoint.Version.Version.Major);
        Assert.Equal(DevCloud.KeystoneUrl, endpoint.Url);
    }
}
