using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OpenStack.Actors.Transport;

/// <summary>Extracts the human message from OpenStack error bodies.</summary>
internal static partial class ErrorBodies
{
    private const int MaxMessageLength = 500;

    /// <summary>
    /// Keystone: <c>{"error":{"message":..}}</c>; Nova and most others: <c>{"itemNotFound":{"message":..}}</c>;
    /// Neutron: <c>{"NeutronError":{"message":..}}</c>; Swift: a short HTML or text page. Null when there is nothing useful.
    /// </summary>
    internal static string? Message(string? contentType, ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty) return null;
        if (contentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true || body[0] == (byte)'{')
        {
            var fromJson = FromJson(body);
            if (fromJson is not null) return Trim(fromJson);
        }
        var text = Encoding.UTF8.GetString(body.Length > 4096 ? body[..4096] : body);
        if (text.Contains('<'))
        {
            // Swift: <html><h1>Unauthorized</h1><p>This server could not verify that you are authorized...</p></html>
            text = Tags().Replace(text, " ");
        }
        text = Spaces().Replace(text, " ").Trim();
        return text.Length == 0 ? null : Trim(text);
    }

    private static string? FromJson(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            if (root.TryGetProperty("message", out var top) && top.ValueKind == JsonValueKind.String) return top.GetString();
            foreach (var property in root.EnumerateObject())
            {
                var v = property.Value;
                if (v.ValueKind == JsonValueKind.Object)
                {
                    if (v.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String) return m.GetString();
                    if (v.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String) return d.GetString();
                }
                if (property.Name is "detail" or "faultstring" && v.ValueKind == JsonValueKind.String) return v.GetString();
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Trim(string s) => s.Length <= MaxMessageLength ? s : s[..MaxMessageLength] + "...";

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
