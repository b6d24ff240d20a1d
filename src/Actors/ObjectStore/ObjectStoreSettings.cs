using System.Globalization;

namespace OpenStack.Actors.ObjectStore;

/// <summary>Object-store settings (HOCON <c>openstack.object-store</c>). The defaults are in <c>reference.conf</c> only: start
/// from <see cref="Default"/> or <see cref="Create"/> and change values with <c>with</c>.</summary>
public sealed record ObjectStoreSettings
{
    /// <summary>The defaults of <c>reference.conf</c>.</summary>
    public static ObjectStoreSettings Default { get; } = Create(null);

    /// <summary>Parallel transfers.</summary>
    public required int Transfers { get; init; }

    /// <summary>Segment size of Static Large Objects; files larger than this are segmented.</summary>
    public required long SegmentSize { get; init; }

    /// <summary>Bytes being sent at once, at most.</summary>
    public required long MaxBytesInFlight { get; init; }

    /// <summary>How existing objects are compared.</summary>
    public required SkipMode Skip { get; init; }

    /// <summary>Base timeout of a transfer attempt.</summary>
    public required TimeSpan TransferTimeout { get; init; }

    /// <summary>Bytes per second a transfer may not fall below (it extends the timeout with the size).</summary>
    public required long MinThroughput { get; init; }

    /// <summary>Delete superseded segments after a successful large upload.</summary>
    public required bool CleanupSegments { get; init; }

    /// <summary>Files and segments of at least this size are hashed while they are sent and the ETag Swift answers is
    /// checked against that hash (as rclone and <c>swift upload</c> do), so sending starts at once; smaller ones are hashed
    /// first and sent with their ETag, which Swift verifies before it stores anything.</summary>
    public required long HashWhileSendingFrom { get; init; }

    /// <summary>The most objects one listing held for an upload's skip decision may have (the container's, or one
    /// directory's: see <see cref="ListPerDirectoryAbove"/>), so new files need no HEAD and identical plain objects are
    /// skipped from the listing; where a listing would hold more (or at 0), files are asked about with a HEAD.</summary>
    public required int PreloadListingLimit { get; init; }

    /// <summary>An upload into a container of more objects than this lists it a directory at a time, as the walk reaches
    /// each directory, and holds only the directories it used last (memory that does not grow with the container, at a
    /// listing request per directory); into a smaller one it lists the container once at the start. 0: always per directory.</summary>
    public required int ListPerDirectoryAbove { get; init; }

    /// <summary>Failures kept in the summary.</summary>
    public required int MaxFailuresInSummary { get; init; }

    /// <summary>How long a batch waits for a down endpoint before it stops cleanly, listing what it did not attempt.</summary>
    public required TimeSpan OutageBudget { get; init; }

    /// <summary>Passes at the end of a run over the files that failed with a transient error (rclone's <c>--retries</c> less one).</summary>
    public required int Retries { get; init; }

    /// <summary>Most names in one bulk delete request; the cluster's <c>max_deletes_per_request</c> caps it, and 0 turns
    /// bulk deletes off (one DELETE per object, as on a cluster without the bulk middleware).</summary>
    public required int BulkDeleteMaxPerRequest { get; init; }

    /// <summary>Bulk delete requests of one run at once (each deletes its names a few at a time at the proxy).</summary>
    public required int BulkDeleteRequests { get; init; }

    /// <summary>How long the delete flow (<see cref="ObjectStoreStreams.Delete(ObjectStoreClient, string, ObjectStoreSettings?)"/>) waits for more names to fill a bulk
    /// request before it sends what it has: a slow producer's objects still go within this.</summary>
    public required TimeSpan BulkDeleteLinger { get; init; }

    /// <summary>Names per bulk delete request on a cluster with <paramref name="capabilities"/>; 0 when deletes go one by one.</summary>
    internal int BulkDeletePerRequest(SwiftCapabilities capabilities) =>
        capabilities.BulkDeleteSupported ? Math.Min(BulkDeleteMaxPerRequest, capabilities.MaxDeletesPerRequest) : 0;

    /// <summary>First wait between probes of a down endpoint; it doubles up to <see cref="ProbeMaxBackoff"/>, with jitter.</summary>
    public required TimeSpan ProbeMinBackoff { get; init; }

    /// <summary>The longest wait between probes of a down endpoint.</summary>
    public required TimeSpan ProbeMaxBackoff { get; init; }

    /// <summary>True when a file or segment of <paramref name="bytes"/> is hashed before it is sent (and sent with its ETag),
    /// false when it is hashed while sent (see <see cref="HashWhileSendingFrom"/>).</summary>
    internal bool HashesFirst(long bytes) => bytes < HashWhileSendingFrom;

    /// <summary>The timeout for sending <paramref name="bytes"/>: <see cref="TransferTimeout"/> plus the time they take at
    /// <see cref="MinThroughput"/>, or at one transfer's share of <paramref name="bandwidthLimit"/> (the session's
    /// <c>bandwidth-limit</c>, split over <see cref="Transfers"/>) when that is slower, so a throttled transfer does not time out.</summary>
    public TimeSpan TimeoutFor(long bytes, long bandwidthLimit = 0)
    {
        var throughput = Math.Max(1, MinThroughput);
        if (bandwidthLimit > 0) throughput = Math.Min(throughput, Math.Max(1, bandwidthLimit / Math.Max(1, Transfers)));
        return TransferTimeout + TimeSpan.FromSeconds((double)bytes / throughput);
    }

    /// <summary>The defaults as a HOCON config (a fallback for <see cref="Create"/>).</summary>
    public static Akka.Configuration.Config DefaultConfig() => ReferenceConfig.Value;

    /// <summary>Reads <c>openstack.object-store</c>, falling back to the defaults.</summary>
    /// <exception cref="ArgumentException">A value is invalid (the message names it).</exception>
    public static ObjectStoreSettings Create(Akka.Configuration.Config? config)
    {
        var c = ReferenceConfig.Under(config).GetConfig("openstack.object-store");
        return new ObjectStoreSettings
        {
            Transfers = Positive(c.GetInt("transfers"), "transfers"),
            SegmentSize = Positive(ByteSize.Parse(c.GetString("segment-size")), "segment-size"),
            MaxBytesInFlight = Positive(ByteSize.Parse(c.GetString("max-bytes-in-flight")), "max-bytes-in-flight"),
            Skip = ParseSkip(c.GetString("skip")),
            TransferTimeout = c.GetTimeSpan("transfer-timeout"),
            MinThroughput = Positive(ByteSize.Parse(c.GetString("min-throughput")), "min-throughput"),
            CleanupSegments = c.GetBoolean("cleanup-segments"),
            MaxFailuresInSummary = Math.Max(0, c.GetInt("max-failures-in-summary")),
            PreloadListingLimit = Math.Max(0, c.GetInt("preload-listing-limit")),
            ListPerDirectoryAbove = Math.Max(0, c.GetInt("list-per-directory-above")),
            HashWhileSendingFrom = ByteSize.Parse(c.GetString("hash-while-sending-from")),
            OutageBudget = c.GetTimeSpan("outage-budget"),
            Retries = Math.Max(0, c.GetInt("retries")),
            BulkDeleteMaxPerRequest = Math.Max(0, c.GetInt("bulk-delete.max-per-request")),
            BulkDeleteRequests = Positive(c.GetInt("bulk-delete.requests"), "bulk-delete.requests"),
            BulkDeleteLinger = PositiveTime(c.GetTimeSpan("bulk-delete.linger"), "bulk-delete.linger"),
            ProbeMinBackoff = PositiveTime(c.GetTimeSpan("outage-probe.min-backoff"), "outage-probe.min-backoff"),
            ProbeMaxBackoff = PositiveTime(c.GetTimeSpan("outage-probe.max-backoff"), "outage-probe.max-backoff"),
        };

        static T Positive<T>(T value, string key) where T : System.Numerics.INumber<T> =>
            value > T.Zero ? value : throw new ArgumentException($"openstack.object-store.{key} must be positive, not {value}");

        static TimeSpan PositiveTime(TimeSpan value, string key) =>
            value > TimeSpan.Zero ? value : throw new ArgumentException($"openstack.object-store.{key} must be positive, not {value}");
    }

    /// <summary>Parses <c>md5</c>, <c>changed</c> or <c>none</c>.</summary>
    public static SkipMode ParseSkip(string value) => value.Trim().ToLowerInvariant() switch
    {
        "md5" or "skip-identical" or "identical" => SkipMode.Md5,
        "changed" or "mtime" => SkipMode.Changed,
        "none" or "off" or "force" => SkipMode.None,
        _ => throw new ArgumentException($"openstack.object-store.skip must be md5, changed or none, not '{value}'"),
    };
}

/// <summary>How an upload decides that an object is already stored.</summary>
public enum SkipMode
{
    /// <summary>HEAD the object and compare its ETag with the local MD5 (for large objects, per segment).</summary>
    Md5,

    /// <summary>HEAD the object and compare its size and the file's mtime stored at upload (<c>X-Object-Meta-Mtime</c>), as <c>swift upload --changed</c>.</summary>
    Changed,

    /// <summary>Always upload.</summary>
    None,
}

/// <summary>Sizes with units: <c>4MiB</c>, <c>1GiB</c>, <c>500k</c>, <c>1.5GB</c>, or plain bytes.</summary>
public static class ByteSize
{
    private static readonly (string Suffix, long Factor)[] Units =
    [
        ("kib", 1L << 10), ("mib", 1L << 20), ("gib", 1L << 30), ("tib", 1L << 40),
        ("kb", 1000L), ("mb", 1000_000L), ("gb", 1000_000_000L), ("tb", 1000_000_000_000L),
        ("k", 1L << 10), ("m", 1L << 20), ("g", 1L << 30), ("t", 1L << 40),
        ("b", 1L),
    ];

    /// <summary>Parses a size. Binary units (KiB, MiB, GiB, TiB) are powers of 1024, decimal ones (kB, MB, GB, TB) of 1000;
    /// a bare K, M, G, T is binary (as in HOCON and <c>dd</c>).</summary>
    /// <exception cref="FormatException">Not a size.</exception>
    public static long Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().Replace("_", "", StringComparison.Ordinal);
        foreach (var (suffix, factor) in Units)
        {
            if (!t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) continue;
            var number = t[..^suffix.Length].Trim();
            if (decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) && d >= 0)
                return checked((long)Math.Round(d * factor));
            break;
        }
        if (long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var plain)) return plain;
        throw new FormatException($"'{text}' is not a size (e.g. 1048576, 4MiB, 1GiB, 500kB)");
    }

    /// <summary>A size for people: <c>1.5 GiB</c>.</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double v = bytes;
        var i = 0;
        while (Math.Abs(v) >= 1024 && i < units.Length - 1)
        {
            v /= 1024;
            i++;
        }
        return i == 0 ? $"{bytes} B" : v.ToString(v >= 100 ? "0" : v >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture) + " " + units[i];
    }
}
