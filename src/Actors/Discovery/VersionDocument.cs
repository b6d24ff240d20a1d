using System.Text.Json;
using System.Text.RegularExpressions;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Discovery;

/// <summary>
/// Reads a service's version document as keystoneauth's discovery does: a 200 or 300 (Multiple Choices) answer whose
/// JSON holds <c>versions</c> as a list (Nova, Placement), as <c>versions.values</c> (Keystone), or one <c>version</c>
/// (a versioned endpoint such as Nova's <c>/v2.1</c>). Entries without an id, a status or a <c>self</c> link are skipped.
/// </summary>
public static partial class VersionDocument
{
    /// <summary>The versions in a response, or null when it is not a version document (a Swift account listing, an
    /// error page, <c>/info</c>).</summary>
    /// <param name="status">The response's status code.</param>
    /// <param name="body">The response body.</param>
    /// <param name="documentUrl">The url the document came from: relative (or empty) <c>self</c> links resolve against it.</param>
    public static IReadOnlyList<DiscoveredVersion>? TryParse(int status, ReadOnlySpan<byte> body, Uri documentUrl)
    {
        if (status is not (200 or 300) || body.IsEmpty) return null;
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException)
        {
            return null;
        }
        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Object) return null;
            var root = json.RootElement;
            IEnumerable<JsonElement> entries;
            if (root.TryGetProperty("versions", out var versions))
            {
                if (versions.ValueKind == JsonValueKind.Object && versions.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array)
                    entries = values.EnumerateArray();
                else if (versions.ValueKind == JsonValueKind.Array) entries = versions.EnumerateArray();
                else return null;
            }
            else if (root.TryGetProperty("version", out var single) && single.ValueKind == JsonValueKind.Object) entries = [single];
            else return null;
            return entries.Select(e => Entry(e, documentUrl)).OfType<DiscoveredVersion>().OrderBy(v => v.Version).ToArray();
        }
    }

    /// <summary>The urls a version document is looked for at, in order: the endpoint as catalogued, then the unversioned
    /// root (the url up to its first version segment, <c>/v2.1</c>, <c>/v1</c>), when that differs.</summary>
    public static IReadOnlyList<Uri> Candidates(Uri catalogUrl)
    {
        var path = catalogUrl.AbsolutePath;
        var match = VersionSegment().Match(path);
        if (!match.Success) return [catalogUrl];
        var root = new UriBuilder(catalogUrl) { Path = path[..(match.Index + 1)], Query = "", Fragment = "" }.Uri;
        return root == catalogUrl ? [catalogUrl] : [catalogUrl, root];
    }

    private static DiscoveredVersion? Entry(JsonElement e, Uri documentUrl)
    {
        if (e.ValueKind != JsonValueKind.Object) return null;
        var id = Text(e, "id");
        var status = Text(e, "status");
        if (id is null || status is null || Microversion.TryParse(id) is not { } number) return null;
        Uri? self = null;
        if (e.TryGetProperty("links", out var links) && links.ValueKind == JsonValueKind.Array)
            foreach (var link in links.EnumerateArray())
                if (link.ValueKind == JsonValueKind.Object && string.Equals(Text(link, "rel"), "self", StringComparison.OrdinalIgnoreCase)
                    && Text(link, "href") is { } href && Uri.TryCreate(documentUrl, href, out var resolved))
                {
                    self = resolved;
                    break;
                }
        if (self is null) return null;
        var max = Microversion.TryParse(Text(e, "max_version")) ?? Microversion.TryParse(Text(e, "version"));
        return new DiscoveredVersion(id, number, StatusOf(status), self)
        {
            MaxMicroversion = max,
            MinMicroversion = max is null ? null : Microversion.TryParse(Text(e, "min_version")),
        };
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static VersionStatus StatusOf(string status) => status.ToLowerInvariant() switch
    {
        "current" => VersionStatus.Current,
        "supported" => VersionStatus.Supported,
        "stable" => VersionStatus.Stable,
        "deprecated" => VersionStatus.Deprecated,
        "experimental" => VersionStatus.Experimental,
        _ => VersionStatus.Unknown,
    };

    [GeneratedRegex(@"/v\d+(\.\d+)?(/|$)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex VersionSegment();
}
