namespace OpenStack.Actors.Cluster;

/// <summary>
/// The <c>openstack.cluster-upload</c> settings. Their defaults are in the embedded cluster.conf only
/// (<see cref="ClusterUpload.DefaultConfig"/>), under whatever the node's own config says.
/// </summary>
/// <param name="AnnounceInterval">How often the coordinator offers its run to the workers.</param>
/// <param name="HeartbeatInterval">How often a worker reports the files it holds.</param>
/// <param name="WalkBuffer">Entries the coordinator reads ahead of the workers.</param>
public sealed record ClusterUploadSettings(TimeSpan AnnounceInterval, TimeSpan HeartbeatInterval, int WalkBuffer)
{
    /// <summary>Reads the settings from <paramref name="config"/>, falling back to cluster.conf.</summary>
    /// <exception cref="ArgumentException">A value is not positive (the message names it).</exception>
    public static ClusterUploadSettings Create(Akka.Configuration.Config config)
    {
        var c = (config ?? Akka.Configuration.Config.Empty).WithFallback(ClusterUpload.DefaultConfig()).GetConfig("openstack.cluster-upload");
        var buffer = c.GetInt("walk-buffer");
        if (buffer <= 0) throw new ArgumentException($"openstack.cluster-upload.walk-buffer must be positive, not {buffer}");
        return new ClusterUploadSettings(
            Positive(c.GetTimeSpan("announce-interval", allowInfinite: false), "announce-interval"),
            Positive(c.GetTimeSpan("heartbeat-interval", allowInfinite: false), "heartbeat-interval"),
            buffer);

        static TimeSpan Positive(TimeSpan value, string key) =>
            value > TimeSpan.Zero ? value : throw new ArgumentException($"openstack.cluster-upload.{key} must be positive, not {value}");
    }
}
