using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.ObjectStore;

/// <summary>A container or object name that cannot be used (rejected before any request is sent).</summary>
public sealed class InvalidObjectNameException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public InvalidObjectNameException(string container, string? objectName, string reason)
        : base(objectName is null
            ? $"Invalid container name '{Redaction.Printable(container)}': {reason}"
            : $"Invalid object name '{Redaction.Printable(objectName)}' in container '{Redaction.Printable(container)}': {reason}")
    {
        Container = container;
        ObjectName = objectName;
        Reason = reason;
    }

    /// <summary>The container name.</summary>
    public string Container { get; }

    /// <summary>The object name, or null when the container name is the problem.</summary>
    public string? ObjectName { get; }

    /// <summary>Why the name was refused.</summary>
    public string Reason { get; }
}

/// <summary>The MD5 that Swift computed differs from the one computed locally: the data was not stored as sent.</summary>
public sealed class ChecksumMismatchException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public ChecksumMismatchException(string container, string objectName, string expected, string? actual, string? detail = null, Exception? inner = null)
        : base($"Checksum mismatch for '{objectName}' in '{container}': expected MD5 {expected}, Swift has {actual ?? "none"}{(detail is null ? "" : $" ({detail})")}", inner)
    {
        Container = container;
        ObjectName = objectName;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The container of the object that failed.</summary>
    public string Container { get; }

    /// <summary>The name of the object that failed.</summary>
    public string ObjectName { get; }

    /// <summary>The locally computed MD5 (hex).</summary>
    public string Expected { get; }

    /// <summary>What Swift reported (ETag), or null when it reported none.</summary>
    public string? Actual { get; }
}

/// <summary>An object-store answer that does not have the expected form (a malformed listing or manifest).</summary>
public sealed class ObjectStoreProtocolException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public ObjectStoreProtocolException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>A filter that cannot be used: a pattern that is not valid, a filter file line that is not a rule, or limits
/// that leave nothing. Thrown before anything is transferred.</summary>
public sealed class InvalidFilterException : ArgumentException
{
    /// <summary>A pattern that is not valid.</summary>
    public InvalidFilterException(string pattern, string reason)
        : base($"Invalid filter pattern '{Redaction.Printable(pattern)}': {reason}")
    {
        Pattern = pattern;
        Reason = reason;
    }

    /// <summary>A line of a filter file that is not valid.</summary>
    /// <param name="source">The file (as named to the parser).</param>
    /// <param name="line">Its line number, from 1.</param>
    /// <param name="text">The line.</param>
    /// <param name="reason">Why it is not valid.</param>
    public InvalidFilterException(string source, int line, string text, string reason)
        : base($"{Redaction.Printable(source)} line {line}: '{Redaction.Printable(text)}': {reason}")
    {
        Pattern = text;
        Reason = reason;
        FileName = source;
        Line = line;
    }

    /// <summary>Limits that leave nothing to transfer.</summary>
    public InvalidFilterException(string reason) : base("Invalid filter: " + reason) => Reason = reason;

    /// <summary>The pattern (or filter file line) that was refused; null when the limits were.</summary>
    public string? Pattern { get; }

    /// <summary>Why, in words.</summary>
    public string Reason { get; }

    /// <summary>The filter file, when the rule came from one.</summary>
    public string? FileName { get; }

    /// <summary>The line of <see cref="FileName"/>, from 1.</summary>
    public int? Line { get; }
}
