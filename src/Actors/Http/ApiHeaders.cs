using System.Diagnostics;
using System.Text.RegularExpressions;

namespace OpenStack.Actors.Http;

/// <summary>
/// The OpenStack-wide request headers: the global request id (<c>X-OpenStack-Request-ID</c>, which services log next to
/// their own request id so one caller's request can be followed through every service it touches) and the microversion
/// headers (<c>OpenStack-API-Version</c> and the legacy per-service ones).
/// </summary>
public static partial class ApiHeaders
{
    /// <summary>The global request id header a caller sends (oslo.middleware reads it; the service's own id comes back
    /// in the response header of the same name).</summary>
    public const string GlobalRequestId = "X-OpenStack-Request-ID";

    /// <summary>The microversion header of the API working group's guideline: <c>OpenStack-API-Version: placement 1.30</c>.</summary>
    public const string ApiVersion = "OpenStack-API-Version";

    /// <summary>True for what oslo.context accepts as a global request id: <c>req-</c> and a lower-case uuid.</summary>
    public static bool IsValidGlobalRequestId(string? id) => id is not null && RequestIdFormat().IsMatch(id);

    /// <summary>
    /// The global request id derived from a trace: <c>req-</c> and the 16 bytes of the W3C trace id written as a uuid.
    /// Every request of one trace so carries the same id, and a service's log line leads back to the trace (and back:
    /// the trace id is the id without <c>req-</c> and dashes). Null for an empty trace id.
    /// </summary>
    public static string? GlobalRequestIdFor(ActivityTraceId traceId)
    {
        var hex = traceId.ToHexString();
        if (hex.Length != 32 || hex.All(c => c == '0')) return null;
        return $"req-{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    /// <summary>The legacy microversion header a service reads besides <see cref="ApiVersion"/> (Nova, Ironic, Manila), or null.</summary>
    /// <param name="headerServiceType">The service type as the header names it (<see cref="MicroversionServiceType"/>).</param>
    public static string? LegacyMicroversionHeader(string headerServiceType) => headerServiceType switch
    {
        "compute" => "X-OpenStack-Nova-API-Version",
        "baremetal" => "X-OpenStack-Ironic-API-Version",
        "shared-file-system" => "X-OpenStack-Manila-API-Version",
        _ => null,
    };

    /// <summary>The service type the microversion header names for a canonical catalog type: Cinder reads <c>volume</c>,
    /// not its official <c>block-storage</c>; the others their official type.</summary>
    public static string MicroversionServiceType(string canonicalServiceType) =>
        canonicalServiceType == "block-storage" ? "volume" : canonicalServiceType;

    /// <summary>The microversion headers for a request: <c>OpenStack-API-Version</c>, plus the legacy header where the service has one.</summary>
    /// <param name="canonicalServiceType">The official service type (e.g. <c>compute</c>, <c>block-storage</c>).</param>
    /// <param name="microversion"><c>X.Y</c> or <c>latest</c>.</param>
    public static IReadOnlyList<KeyValuePair<string, string>> MicroversionHeaders(string canonicalServiceType, string microversion)
    {
        var type = MicroversionServiceType(canonicalServiceType);
        var headers = new List<KeyValuePair<string, string>> { new(ApiVersion, $"{type} {microversion}") };
        if (LegacyMicroversionHeader(type) is { } legacy) headers.Add(new(legacy, microversion));
        return headers;
    }

    /// <summary>The microversion a response says it was served with: <c>OpenStack-API-Version: placement 1.39</c>, or a
    /// legacy header (<c>X-OpenStack-Nova-API-Version: 2.95</c>); null when there is none.</summary>
    public static Microversion? ServedMicroversion(IReadOnlyDictionary<string, string> headers)
    {
        if (headers.TryGetValue(ApiVersion, out var value))
        {
            // "<service-type> X.Y"; a list of several services is possible in theory, the last word is the version
            var space = value.LastIndexOf(' ');
            if (Microversion.TryParse(space < 0 ? value : value[(space + 1)..]) is { } v) return v;
        }
        foreach (var type in (ReadOnlySpan<string>)["compute", "baremetal", "shared-file-system"])
            if (headers.TryGetValue(LegacyMicroversionHeader(type)!, out var legacy) && Microversion.TryParse(legacy) is { } v)
                return v;
        return null;
    }

    [GeneratedRegex(@"^req-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex RequestIdFormat();
}
