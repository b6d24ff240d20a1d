using System.Text.Json.Nodes;
using OpenStack.Actors.Tests.Integration;
using Xunit;

namespace OpenStack.Actors.Tests.Host;

/// <summary><c>request --microversion --request-id -i</c> against the dev cloud's Placement.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class CliPlacementIntegrationTests
{
    private static IReadOnlyDictionary<string, string?> Env => CliRunner.Environment(DevCloud.CloudsYaml);

    private static async Task<string> MaxVersion()
    {
        using var http = new HttpClient();
        return (string)JsonNode.Parse(await http.GetStringAsync(DevCloud.Get("DEVCLOUD_PLACEMENT_URL") + "/"))!["versions"]![0]!["max_version"]!;
    }

    [Fact]
    public async Task Latest_with_include_prints_the_status_line_and_the_chosen_version_before_the_body()
    {
        var max = await MaxVersion();
        var id = $"req-{Guid.NewGuid()}";

        var run = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-admin", "request", "GET", "resource_providers", "--service", "placement",
            "--microversion", "latest", "-i", "--request-id", id);

        Assert.True(run.ExitCode == 0, run.Error);
        var lines = run.Out.Split('\n');
        Assert.Equal("HTTP 200 OK", lines[0].TrimEnd());
        Assert.Contains(lines, l => l.TrimEnd().Equals($"openstack-api-version: placement {max}", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("\"resource_providers\"", run.Out[run.Out.IndexOf("\n\n", StringComparison.Ordinal)..]);
        var served = lines.First(l => l.StartsWith("x-openstack-request-id:", StringComparison.OrdinalIgnoreCase)).Split(':', 2)[1].Trim();
        Assert.Contains($"request id {served}", run.Error);
        Assert.Contains(served, await DevCloud.PlacementLogLineWith(id));
    }

    [Fact]
    public async Task A_microversion_placement_cannot_serve_fails_with_its_range()
    {
        var max = await MaxVersion();

        var run = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-admin", "request", "GET", "resource_providers", "--service", "placement", "--microversion", "1.999");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"placement supports 1.0 to {max}; 1.999 was requested", run.Error);
        Assert.DoesNotContain("   at ", run.Error);
    }

    [Theory]
    [InlineData("--microversion needs --service", "request", "GET", "x", "--microversion", "1.1")]
    [InlineData("--microversion 'one' is not X.Y", "request", "GET", "x", "--service", "placement", "--microversion", "one")]
    [InlineData("--request-id 'abc' is not 'req-' and a lower-case uuid", "request", "GET", "x", "--service", "placement", "--request-id", "abc")]
    public async Task Bad_flags_are_usage_errors(string message, params string[] args)
    {
        var run = await CliRunner.RunAsync(Env, ["--os-cloud", "devcloud-admin", .. args]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error);
    }
}
