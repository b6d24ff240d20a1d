namespace OpenStack.Actors.Http;

/// <summary>Origins (scheme, host, port) of urls: the token goes only to the cloud's own.</summary>
internal static class Origins
{
    internal static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;
}
