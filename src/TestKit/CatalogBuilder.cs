using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OpenStack.Actors.Catalog;

namespace OpenStack.Actors.TestKit;

/// <summary>
/// Builds a Keystone v3 service catalog: the <c>catalog</c> array real Keystone returns (services with type, name, id
/// and endpoints with id, interface, region, region_id, url) and the <see cref="ServiceCatalog"/> the library parses from it.
/// </summary>
/// <example><code>
/// var catalog = new CatalogBuilder()
///     .AddService("object-store", "swift", "RegionOne", "http://swift.one.test/v1/AUTH_p", internalUrl: "http://10.0.0.5/v1/AUTH_p")
///     .Add("object-store", "http://swift.two.test/v1/AUTH_p", region: "RegionTwo", serviceName: "swift");
/// </code></example>
public sealed class CatalogBuilder
{
    private static readonly Dictionary<string, string> DefaultNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["identity"] = "keystone",
        ["object-store"] = "swift",
        ["compute"] = "nova",
        ["image"] = "glance",
        ["network"] = "neutron",
        ["volumev3"] = "cinderv3",
        ["block-storage"] = "cinder",
        ["placement"] = "placement",
    };

    private readonly List<CatalogEndpoint> _endpoints = new();

    /// <summary>The endpoints added so far, in order.</summary>
    public IReadOnlyList<CatalogEndpoint> Endpoints => _endpoints;

    /// <summary>Adds one endpoint.</summary>
    /// <param name="serviceType">The service type as Keystone lists it (<c>object-store</c>, <c>volumev3</c>...).</param>
    /// <param name="url">The endpoint url.</param>
    /// <param name="interface">public, internal or admin.</param>
    /// <param name="region">The region name (also the region id unless <paramref name="regionId"/> is given); null for none.</param>
    /// <param name="serviceName">The service name; null takes the usual one for the type (swift, keystone, ...).</param>
    /// <param name="regionId">The region id when it differs from the name.</param>
    public CatalogBuilder Add(string serviceType, string url, string @interface = "public", string? region = "RegionOne",
        string? serviceName = null, string? regionId = null)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) throw new ArgumentException($"'{url}' is not an absolute url", nameof(url));
        serviceName ??= DefaultNames.TryGetValue(serviceType, out var n) ? n : null;
        _endpoints.Add(new CatalogEndpoint(serviceType, serviceName, @interface, region, regionId ?? region, uri));
        return this;
    }

    /// <summary>Adds a service's public endpoint in a region, and its internal and admin endpoints when given.</summary>
    public CatalogBuilder AddService(string serviceType, string? serviceName, string region, string publicUrl,
        string? internalUrl = null, string? adminUrl = null)
    {
        Add(serviceType, publicUrl, "public", region, serviceName);
        if (internalUrl is not null) Add(serviceType, internalUrl, "internal", region, serviceName);
        if (adminUrl is not null) Add(serviceType, adminUrl, "admin", region, serviceName);
        return this;
    }

    /// <summary>
    /// The catalog the kit uses unless told otherwise (the same as the core tests'): identity at
    /// <see cref="KeystoneFixtures.AuthUrl"/>; object-store public <see cref="KeystoneFixtures.SwiftUrl"/>, internal
    /// <c>http://swift-internal.test:8080/v1/AUTH_demo</c>, admin <c>http://swift-admin.test:8080/v1</c> in RegionOne,
    /// public <c>http://swift-two.test:8080/v1/AUTH_demo</c> in RegionTwo; volumev3 <c>http://cinder.test:8776/v3/demo</c>.
    /// </summary>
    public static CatalogBuilder Default() => new CatalogBuilder()
        .Add("identity", KeystoneFixtures.AuthUrl)
        .AddService("object-store", "swift", "RegionOne", KeystoneFixtures.SwiftUrl,
            internalUrl: "http://swift-internal.test:8080/v1/AUTH_demo", adminUrl: "http://swift-admin.test:8080/v1")
        .Add("object-store", "http://swift-two.test:8080/v1/AUTH_demo", region: "RegionTwo")
        .Add("volumev3", "http://cinder.test:8776/v3/demo");

    /// <summary>Identity plus an object store with a public and an internal endpoint in each region:
    /// <c>http://swift.{region}.test:8080/v1/AUTH_demo</c> and <c>http://swift-internal.{region}.test:8080/v1/AUTH_demo</c>
    /// (region in lower case).</summary>
    public static CatalogBuilder MultiRegion(params string[] regions)
    {
        if (regions.Length == 0) throw new ArgumentException("Name at least one region", nameof(regions));
        var builder = new CatalogBuilder().Add("identity", KeystoneFixtures.AuthUrl, region: regions[0]);
        foreach (var region in regions)
        {
            var host = region.ToLowerInvariant();
            builder.AddService("object-store", "swift", region, $"http://swift.{host}.test:8080/v1/AUTH_demo",
                internalUrl: $"http://swift-internal.{host}.test:8080/v1/AUTH_demo");
        }
        return builder;
    }

    /// <summary>Just an object store's public endpoint.</summary>
    public static CatalogBuilder ObjectStoreOnly(string publicUrl = KeystoneFixtures.SwiftUrl, string region = "RegionOne") =>
        new CatalogBuilder().Add("object-store", publicUrl, region: region);

    /// <summary>The <c>catalog</c> array as Keystone v3 returns it.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) WriteTo(writer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the <c>catalog</c> array (as a value: call after <c>WritePropertyName("catalog")</c>).</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        foreach (var service in _endpoints.GroupBy(e => (Type: e.ServiceType, Name: e.ServiceName)))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("endpoints");
            foreach (var ep in service)
            {
                writer.WriteStartObject();
                writer.WriteString("id", Id(ep.ServiceType, ep.Interface, ep.Region, ep.Url.AbsoluteUri));
                writer.WriteString("interface", ep.Interface);
                if (ep.RegionId is null) writer.WriteNull("region_id");
                else writer.WriteString("region_id", ep.RegionId);
                writer.WriteString("url", ep.Url.OriginalString);
                if (ep.Region is null) writer.WriteNull("region");
                else writer.WriteString("region", ep.Region);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteString("id", Id(service.Key.Type, service.Key.Name));
            writer.WriteString("type", service.Key.Type);
            if (service.Key.Name is not null) writer.WriteString("name", service.Key.Name);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>The catalog as the library parses it (through <see cref="ServiceCatalog.ParseV3"/>, as in production).</summary>
    public ServiceCatalog Build()
    {
        using var doc = JsonDocument.Parse(ToJson());
        return ServiceCatalog.ParseV3(doc.RootElement);
    }

    /// <summary>Stable 32-hex ids, like Keystone's, so that the JSON is the same on every run.</summary>
    private static string Id(params string?[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("|", parts))))[..32];
}
