using System.Text;

namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// Validation and URL encoding of Swift container and object names. Every path segment is percent-encoded
/// on its own (UTF-8, RFC 3986 unreserved characters kept), so spaces, <c>+&amp;=?#%</c> and non-ASCII names
/// reach Swift unchanged while <c>/</c> in object names stays a separator.
/// </summary>
public static class SwiftNames
{
    /// <summary>Throws when Swift could not address the container by this name.</summary>
    /// <exception cref="InvalidObjectNameException">Empty, holds <c>/</c>, or is <c>.</c> / <c>..</c>.</exception>
    public static void ValidateContainer(string container)
    {
        ArgumentNullException.ThrowIfNull(container);
        if (container.Length == 0) throw new InvalidObjectNameException(container, null, "a container name must not be empty");
        // Swift unquotes the path before splitting it, so an encoded '/' would still split container from object.
        if (container.Contains('/')) throw new InvalidObjectNameException(container, null, "a container name must not contain '/'");
        if (container is "." or "..") throw new InvalidObjectNameException(container, null, "a container name must not be '.' or '..'");
        if (container.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0) throw new InvalidObjectNameException(container, null, "a container name must not contain CR, LF or NUL");
    }

    /// <summary>Throws when an object of this name could not be addressed by a URL.</summary>
    /// <exception cref="InvalidObjectNameException">Empty, or has a <c>.</c> / <c>..</c> segment (URLs collapse those), or CR/LF/NUL.</exception>
    public static void ValidateObject(string container, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0) throw new InvalidObjectNameException(container, name, "an object name must not be empty");
        if (name.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0) throw new InvalidObjectNameException(container, name, "an object name must not contain CR, LF or NUL");
        foreach (var segment in name.Split('/'))
            if (segment is "." or "..")
                throw new InvalidObjectNameException(container, name, "an object name must not have '.' or '..' path segments (URLs collapse them)");
    }

    /// <summary>The encoded relative path of a container: <c>my%20container</c>.</summary>
    public static string ContainerPath(string container)
    {
        ValidateContainer(container);
        return Uri.EscapeDataString(container);
    }

    /// <summary>The encoded relative path of an object: <c>container/dir/file%20name.txt</c>.</summary>
    public static string ObjectPath(string container, string name)
    {
        var c = ContainerPath(container);
        ValidateObject(container, name);
        return c + "/" + EncodeObjectName(name);
    }

    /// <summary>Encodes each <c>/</c>-separated segment of an object name, keeping the separators.</summary>
    public static string EncodeObjectName(string name)
    {
        var sb = new StringBuilder(name.Length + 16);
        var first = true;
        foreach (var segment in name.Split('/'))
        {
            if (!first) sb.Append('/');
            sb.Append(Uri.EscapeDataString(segment));
            first = false;
        }
        return sb.ToString();
    }

    /// <summary>A query string (with the leading <c>?</c>, or empty) of the non-null parameters, values encoded.</summary>
    public static string Query(params (string Key, string? Value)[] parameters)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in parameters)
        {
            if (value is null) continue;
            sb.Append(sb.Length == 0 ? '?' : '&').Append(key);
            if (value.Length > 0) sb.Append('=').Append(Uri.EscapeDataString(value));
        }
        return sb.ToString();
    }

    /// <summary>The object name for a file: its path relative to <paramref name="root"/> with <c>/</c> separators, after <paramref name="prefix"/>.</summary>
    public static string ObjectNameFor(string root, string file, string? prefix)
    {
        var relative = Path.GetRelativePath(root, file);
        if (Path.DirectorySeparatorChar != '/') relative = relative.Replace(Path.DirectorySeparatorChar, '/');
        return JoinPrefix(prefix, relative);
    }

    /// <summary><paramref name="prefix"/> and <paramref name="name"/> joined with exactly one <c>/</c> (a prefix is a pseudo-directory).</summary>
    public static string JoinPrefix(string? prefix, string name)
    {
        var trimmed = prefix?.Trim('/');
        return string.IsNullOrEmpty(trimmed) ? name : trimmed + "/" + name;
    }

    /// <summary>The container that holds the segments of large objects stored in <paramref name="container"/> (the swift CLI's convention).</summary>
    public static string SegmentContainer(string container) => container + "_segments";
}
