using OpenStack.Actors.Http;

namespace OpenStack.Actors.Config;

/// <summary>
/// A cloud configuration (clouds.yaml, secure.yaml or <c>OS_*</c> variables) is missing, unknown or invalid.
/// The message names the cloud, the file(s) involved or the missing key; it never contains a secret value.
/// </summary>
public sealed class CloudConfigException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong; must not contain secrets.</param>
    /// <param name="cloud">The cloud concerned, or null for the <c>OS_*</c> environment.</param>
    /// <param name="files">The files read or searched.</param>
    /// <param name="inner">The underlying failure (a YAML or I/O error), if any.</param>
    public CloudConfigException(string message, string? cloud = null, IReadOnlyList<string>? files = null, Exception? inner = null)
        : base(message, inner)
    {
        Cloud = cloud;
        Files = files ?? [];
    }

    /// <summary>The cloud concerned, or null when the configuration comes from <c>OS_*</c> variables (or none was chosen).</summary>
    public string? Cloud { get; }

    /// <summary>The files read or searched, for the caller's own message.</summary>
    public IReadOnlyList<string> Files { get; }
}
