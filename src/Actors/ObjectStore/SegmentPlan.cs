using System.Globalization;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.ObjectStore;

/// <summary>How a file is cut into Static Large Object segments, within the cluster's limits.</summary>
internal sealed record SegmentPlan(long Length, long SegmentSize, int Count, bool Segmented)
{
    /// <summary>The plan for a file: one object when it fits, else segments of the configured size, enlarged when the
    /// manifest would otherwise have too many segments.</summary>
    /// <exception cref="OpenStackException">The file is too large for this cluster.</exception>
    internal static SegmentPlan For(long length, long configured, SwiftCapabilities caps)
    {
        var size = SizeFor(configured, caps);
        if (length <= size || !caps.SloSupported)
        {
            if (length > caps.MaxFileSize)
                throw new OpenStackException($"the file is {ByteSize.Format(length)}, above the cluster's object limit of {ByteSize.Format(caps.MaxFileSize)}, and the cluster has no SLO support");
            return new SegmentPlan(length, length, 1, false);
        }
        var count = (length + size - 1) / size;
        if (count > caps.MaxManifestSegments)
        {
            size = (length + caps.MaxManifestSegments - 1) / caps.MaxManifestSegments;
            if (size > caps.MaxFileSize)
                throw new OpenStackException($"the file is {ByteSize.Format(length)}, more than {caps.MaxManifestSegments} segments of {ByteSize.Format(caps.MaxFileSize)} (this cluster's limits)");
            count = (length + size - 1) / size;
        }
        return new SegmentPlan(length, size, (int)count, true);
    }

    /// <summary>The configured segment size within the cluster's smallest segment and largest object.</summary>
    internal static long SizeFor(long configured, SwiftCapabilities caps) => Math.Clamp(configured, Math.Max(1, caps.MinSegmentSize), caps.MaxFileSize);

    /// <summary>Offset and length of segment <paramref name="index"/>.</summary>
    internal (long Offset, long Length) Segment(int index)
    {
        var offset = index * SegmentSize;
        return (offset, Math.Min(SegmentSize, Length - offset));
    }

    /// <summary>Segment names: <c>&lt;object&gt;/&lt;size&gt;/&lt;segment size&gt;/</c> then the index as 8 digits. Deterministic, so a rerun finds them.</summary>
    internal string SegmentPrefix(string objectName) =>
        objectName + "/" + Length.ToString(CultureInfo.InvariantCulture) + "/" + SegmentSize.ToString(CultureInfo.InvariantCulture) + "/";

    /// <summary>True when <paramref name="segmentName"/> follows the naming of <see cref="SegmentPrefix"/> for this object (not for an object below it).</summary>
    internal static bool IsSegmentOf(string objectName, string segmentName)
    {
        if (!segmentName.StartsWith(objectName + "/", StringComparison.Ordinal)) return false;
        var rest = segmentName[(objectName.Length + 1)..].Split('/');
        return rest.Length == 3 && rest.All(p => p.Length > 0 && p.All(char.IsAsciiDigit));
    }
}
