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
