using System.Diagnostics;
using OpenStack.Actors.Http;
using Xunit;

namespace OpenStack.Actors.Tests.Discovery;

/// <summary>Microversion values and headers, and the global request id's format.</summary>
public sealed class ApiHeadersTests
{
    [Fact]
    public void Microversions_compare_as_numbers()
    {
        Assert.True(Microversion.Parse("1.10") > Microversion.Parse("1.9"));
        Assert.True(Microversion.Parse("2.1") > Microversion.Parse("1.99"));
        Assert.Equal(new Microversion(2, 0), Microversion.Parse("v2"));
        Assert.Equal("1.10", Microversion.Parse("1.10").ToString());
    }

    [Theory]
    [InlineData("1.30", true)]
    [InlineData("latest", true)]
    [InlineData("Latest", true)]
    [InlineData("1", false)]
    [InlineData("1.x", false)]
    [InlineData("newest", false)]
    [InlineData("", false)]
    public void A_caller_may_request_x_y_or_latest(string text, bool valid) => Assert.Equal(valid, Microversion.IsValidRequest(text));

    [Theory]
    [InlineData("compute", "compute 2.30", "X-OpenStack-Nova-API-Version")]
    [InlineData("baremetal", "baremetal 2.30", "X-OpenStack-Ironic-API-Version")]
    [InlineData("shared-file-system", "shared-file-system 2.30", "X-OpenStack-Manila-API-Version")]
    [InlineData("block-storage", "volume 2.30", null)]
    [InlineData("placement", "placement 2.30", null)]
    public void The_microversion_goes_in_the_standard_header_and_the_legacy_one_the_service_reads(string type, string standard, string? legacy)
    {
        var headers = ApiHeaders.MicroversionHeaders(type, "2.30").ToDictionary();

        Assert.Equal(standard, headers["OpenStack-API-Version"]);
        if (legacy is null) Assert.Single(headers);
        else Assert.Equal("2.30", headers[legacy]);
    }

    [Fact]
    public void The_served_microversion_is_read_from_the_response()
    {
        Assert.Equal(new Microversion(1, 39), ApiHeaders.ServedMicroversion(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["openstack-api-version"] = "placement 1.39" }));
        Assert.Equal(new Microversion(2, 95), ApiHeaders.ServedMicroversion(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["X-OpenStack-Nova-API-Version"] = "2.95" }));
        Assert.Null(ApiHeaders.ServedMicroversion(new Dictionary<string, string>()));
    }

    [Theory]
    [InlineData("req-0f8c3a4e-2b6d-4c1e-9a7f-3d5b8e1c2a90", true)]
    [InlineData("req-0F8C3A4E-2B6D-4C1E-9A7F-3D5B8E1C2A90", false)]
    [InlineData("0f8c3a4e-2b6d-4c1e-9a7f-3d5b8e1c2a90", false)]
    [InlineData("req-0f8c3a4e2b6d4c1e9a7f3d5b8e1c2a90", false)]
    [InlineData("req-0f8c3a4e-2b6d-4c1e-9a7f-3d5b8e1c2a90\n", false)]
    public void A_global_request_id_is_req_and_a_lower_case_uuid(string id, bool valid) => Assert.Equal(valid, ApiHeaders.IsValidGlobalRequestId(id));

    [Fact]
    public void The_id_from_a_trace_is_the_trace_id_written_as_a_uuid()
    {
        var trace = ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736");

        Assert.Equal("req-4bf92f35-77b3-4da6-a3ce-929d0e0e4736", ApiHeaders.GlobalRequestIdFor(trace));
        Assert.True(ApiHeaders.IsValidGlobalRequestId(ApiHeaders.GlobalRequestIdFor(ActivityTraceId.CreateRandom())));
        Assert.Null(ApiHeaders.GlobalRequestIdFor(default));
    }
}
