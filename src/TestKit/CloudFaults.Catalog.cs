using System.Text.Json;
using OpenStack.Actors.Catalog;

namespace OpenStack.Actors.TestKit;

/// <summary>What the layer learns from the traffic passing through: when Keystone issued each token, and which urls
/// belong to which service by the catalogs in its answers.</summary>
public sealed partial class CloudFaults
{
    /// <summary>Declares that urls under <paramref name="url"/> belong to <paramref name="serviceType"/> (for
    /// <see cref="FaultRule.For"/>), for clouds whose catalog does not pass through the layer (static tokens).</summary>
    public void MapService(string serviceType, string url)
    {
        var prefix = new Uri(url ?? throw new ArgumentNullException(nameof(url)));
        lock (_gate) _services.Add((prefix.AbsoluteUri.TrimEnd('/'), prefix.GetLeftPart(UriPartial.Authority), ServiceTypes.Canonical(serviceType)));
    }

    private bool IssuedBefore(string token, DateTimeOffset at) => !_issued.TryGetValue(token, out var issued) || issued < at;

    /// <summary>The canonical service of a url: the longest catalog endpoint it is under, else one on its origin.</summary>
    private string? ServiceOf(Uri url)
    {
        if (url.AbsolutePath.TrimEnd('/').EndsWith("/auth/tokens", StringComparison.OrdinalIgnoreCase)) return "identity";
        var absolute = url.AbsoluteUri;
        var under = _services.Where(s => absolute.StartsWith(s.Prefix, StringComparison.OrdinalIgnoreCase)
                && (absolute.Length == s.Prefix.Length || absolute[s.Prefix.Length] is '/' or '?'))
            .OrderByDescending(s => s.Prefix.Length).Select(s => s.Service).FirstOrDefault();
        var origin = url.GetLeftPart(UriPartial.Authority);
        return under ?? _services.Where(s => string.Equals(s.Origin, origin, StringComparison.OrdinalIgnoreCase)).Select(s => s.Service).FirstOrDefault();
    }

    /// <summary>Notes when Keystone issued a token, and the catalog it came with.</summary>
    private async Task LearnAsync(string token, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var now = Scheduler.Now;
        ServiceCatalog? catalog = null;
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            if (doc.RootElement.TryGetProperty("token", out var t) && t.TryGetProperty("catalog", out var c)) catalog = ServiceCatalog.ParseV3(c);
        }
        catch (JsonException)
        {
            // Not a token body after all: the session reports that itself.
        }
        lock (_gate)
        {
            _issued[token] = now;
            if (catalog is null) return;
            foreach (var e in catalog.Endpoints)
            {
                var entry = (e.Url.AbsoluteUri.TrimEnd('/'), e.Url.GetLeftPart(UriPartial.Authority), ServiceTypes.Canonical(e.ServiceType));
                if (!_services.Contains(entry)) _services.Add(entry);
            }
        }
    }
}
