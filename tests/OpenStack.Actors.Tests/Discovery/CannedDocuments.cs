using System.Text;

namespace OpenStack.Actors.Tests.Discovery;

/// <summary>Version documents as the services answer them (shapes from Nova, Placement, Keystone; Swift has none).</summary>
public static class CannedDocuments
{
    /// <summary>Nova's root (<c>GET /</c>, 300): v2.0 without microversions, v2.1 with 2.1 to 2.95, absolute self links.</summary>
    public const string NovaRoot = """
        {"versions": [
          {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "", "updated": "2011-01-21T11:33:21Z",
           "links": [{"rel": "self", "href": "http://nova.test:8774/v2/"}]},
          {"id": "v2.1", "status": "CURRENT", "version": "2.95", "min_version": "2.1", "updated": "2013-07-23T11:33:21Z",
           "links": [{"rel": "self", "href": "http://nova.test:8774/v2.1/"}]}]}
        """;

    /// <summary>Nova's versioned endpoint (<c>GET /v2.1</c>, 200): one <c>version</c>.</summary>
    public const string NovaVersioned = """
        {"version": {"id": "v2.1", "status": "CURRENT", "version": "2.95", "min_version": "2.1", "updated": "2013-07-23T11:33:21Z",
          "links": [{"rel": "self", "href": "http://nova.test:8774/v2.1/"}, {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}],
          "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}]}}
        """;

    /// <summary>Placement's root (200): <c>max_version</c>, and a self link with an empty href.</summary>
    public const string Placement = """
        {"versions": [{"id": "v1.0", "max_version": "1.39", "min_version": "1.0", "status": "CURRENT", "links": [{"rel": "self", "href": ""}]}]}
        """;

    /// <summary>Keystone's root (300): <c>versions.values</c>, v3.14 stable and v2.0 deprecated, no microversions.</summary>
    public const string KeystoneRoot = """
        {"versions": {"values": [
          {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
           "links": [{"rel": "self", "href": "http://keystone.test:5000/v3/"}],
           "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]},
          {"id": "v2.0", "status": "deprecated", "updated": "2016-08-04T00:00:00Z",
           "links": [{"rel": "self", "href": "http://keystone.test:5000/v2.0/"}]}]}}
        """;

    /// <summary>Swift's account listing with <c>Accept: application/json</c>: a JSON array, not a version document.</summary>
    public const string SwiftAccountListing = """[{"name": "photos", "count": 2, "bytes": 1024, "last_modified": "2026-12-01T10:00:00.000000"}]""";

    /// <summary>Swift's <c>/info</c>: capabilities, not a version document.</summary>
    public const string SwiftInfo = """{"swift": {"version": "2.30.1", "max_file_size": 5368709122}, "slo": {"max_manifest_segments": 1000}}""";

    public static ReadOnlySpan<byte> Bytes(string json) => Encoding.UTF8.GetBytes(json);
}
