using OpenStack.Actors.Cluster;
using Xunit;

namespace OpenStack.Actors.Tests.Cluster;

public sealed class ClusterUploadSettingsTests
{
    [Fact]
    public void An_empty_config_gives_the_defaults_of_cluster_conf_and_the_node_config_wins()
    {
        var defaults = ClusterUploadSettings.Create(Akka.Configuration.Config.Empty);
        Assert.Equal(new ClusterUploadSettings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), 256), defaults);

        var own = ClusterUploadSettings.Create(Akka.Configuration.ConfigurationFactory.ParseString("openstack.cluster-upload.walk-buffer = 16"));
        Assert.Equal(defaults with { WalkBuffer = 16 }, own);
    }

    [Fact]
    public void A_value_that_is_not_positive_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            ClusterUploadSettings.Create(Akka.Configuration.ConfigurationFactory.ParseString("openstack.cluster-upload.heartbeat-interval = 0s")));
        Assert.Contains("openstack.cluster-upload.heartbeat-interval", e.Message);
    }
}
