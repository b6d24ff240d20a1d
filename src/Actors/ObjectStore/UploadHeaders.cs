using System.Globalization;

namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// The headers an upload puts on every object it stores (on the manifest of a Static Large Object, so they describe
/// the large object): parsing <c>Name: value</c> and <c>key=value</c> metadata, refusing headers the upload itself owns,
/// and guessing the content type from a file name when none is given.
/// </summary>
public static class UploadHeaders
{
    /// <summary>The metadata an upload stores from the file's modification time (as <c>swift upload</c> does), which
    /// <see cref="SkipMode.Changed"/> compares: the upload sets it, a caller cannot.</summary>
    public const string MtimeHeader = "X-Object-Meta-Mtime";

    private const string MetaPrefix = "X-Object-Meta-";

    // Headers that would change what the upload stores or how Swift checks it, not describe the object.
    private static readonly Dictionary<string, string> Refused = new(StringComparer.OrdinalIgnoreCase)
    {
        ["X-Object-Manifest"] = "it makes a Dynamic Large Object; large files become Static Large Objects by themselves (--segment-size)",
        ["X-Static-Large-Object"] = "Swift sets it on a manifest",
        ["ETag"] = "the upload sends each object's MD5 itself",
        ["Content-Length"] = "the upload sends each object's length itself",
        ["Transfer-Encoding"] = "the upload chooses how the body is sent",
        ["X-Copy-From"] = "it turns the upload into a server-side copy",
        ["X-Auth-Token"] = "the session authenticates the requests",
        [MtimeHeader] = "the upload stores the file's modification time there (--changed compares it)",
    };

    /// <summary>Parses <c>Name: value</c> (as <c>curl -H</c> and <c>swift upload -H</c> take it).</summary>
    /// <exception cref="ArgumentException">No colon, an empty or invalid name, or CR/LF in the value.</exception>
    public static KeyValuePair<string, string> ParseHeader(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) throw new ArgumentException($"header '{text}' is not of the form 'Name: value'");
        var header = new KeyValuePair<string, string>(text[..colon].Trim(), text[(colon + 1)..].Trim());
        Check(header.Key, header.Value);
        return header;
    }

    /// <summary>Parses metadata <c>key=value</c> into the header <c>X-Object-Meta-key: value</c>.</summary>
    /// <exception cref="ArgumentException">No <c>=</c>, an empty or invalid key, or CR/LF in the value.</exception>
    public static KeyValuePair<string, string> ParseMetadata(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0) throw new ArgumentException($"metadata '{text}' is not of the form 'key=value'");
        var header = new KeyValuePair<string, string>(MetaPrefix + text[..equals].Trim(), text[(equals + 1)..].Trim());
        Check(header.Key, header.Value);
        return header;
    }

    /// <summary>Throws when a header cannot go on an upload: an invalid name or value, one the upload sets itself, or
    /// an <c>X-Delete-At</c>/<c>X-Delete-After</c> that is not a number.</summary>
    /// <exception cref="ArgumentException">The first header that cannot, and why.</exception>
    public static void Validate(IReadOnlyDictionary<string, string>? headers)
    {
        if (headers is null) return;
        foreach (var (name, value) in headers) Check(name, value);
    }

    /// <summary>The headers for one object: <paramref name="headers"/> (validated before), with a <c>Content-Type</c>
    /// guessed from <paramref name="fileName"/>'s extension when they have none, and <paramref name="extra"/> (the upload's own).</summary>
    internal static Dictionary<string, string> For(IReadOnlyDictionary<string, string>? headers, string fileName, params (string Name, string Value)[] extra)
    {
        var h = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (headers is not null) foreach (var (k, v) in headers) h[k] = v;
        if (!h.ContainsKey("Content-Type")) h["Content-Type"] = GuessContentType(fileName);
        foreach (var (k, v) in extra) h[k] = v;
        return h;
    }

    /// <summary>The media type for a file name, from its extension (<c>a.json</c>: <c>application/json</c>);
    /// <c>application/octet-stream</c> when the extension is unknown or missing.</summary>
    public static string GuessContentType(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var extension = Path.GetExtension(fileName.Replace('\\', '/').Split('/')[^1]);
        return extension.Length <= 1 ? "application/octet-stream" : MimeTypes.MimeTypeMap.GetMimeType(extension);
    }

    private static void Check(string name, string value)
    {
        if (name.Length == 0) throw new ArgumentException("a header needs a name before its ':'");
        if (!name.All(IsTokenChar)) throw new ArgumentException($"header name '{name}' has characters a header name cannot have (letters, digits and - only)");
        if (name.Length == MetaPrefix.Length && name.StartsWith(MetaPrefix, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException("a metadata header needs a key after X-Object-Meta-");
        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0) throw new ArgumentException($"the value of header '{name}' must not contain CR, LF or NUL");
        if (Refused.TryGetValue(name, out var why)) throw new ArgumentException($"header '{name}' cannot be set on an upload: {why}");
        if ((name.Equals("X-Delete-At", StringComparison.OrdinalIgnoreCase) || name.Equals("X-Delete-After", StringComparison.OrdinalIgnoreCase))
            && !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            throw new ArgumentException($"header '{name}' takes a whole number of seconds ({(name.Length == 11 ? "a Unix time" : "from now")}), not '{value}'");
    }

    // Swift reads headers through WSGI, which turns '_' into '-' and drops other punctuation: only these arrive as sent.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '-';
}
