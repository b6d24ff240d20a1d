namespace OpenStack.Actors.ObjectStore;

/// <summary>A failure of a batch's file in words for its result and the summary: the file's own trouble (gone,
/// unreadable) said as such, an OpenStack error by its own message.</summary>
internal static class FailureText
{
    internal static string Describe(Exception e) => e switch
    {
        OperationCanceledException => "cancelled before it finished",
        FileNotFoundException or DirectoryNotFoundException => "cannot read: the file no longer exists",
        UnauthorizedAccessException => "cannot read: permission denied",
        IOException io => "cannot read: " + io.Message,
        _ => e.Message,
    };
}
