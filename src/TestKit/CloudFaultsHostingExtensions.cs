using Akka.Hosting;

namespace OpenStack.Actors.TestKit;

/// <summary>Akka.Hosting binding of a <see cref="CloudFaults"/> layer to the host's ActorSystem.</summary>
public static class CloudFaultsHostingExtensions
{
    /// <summary>
    /// Binds <paramref name="faults"/> (created with <see cref="CloudFaults(HttpMessageHandler)"/>, before the host has a
    /// system) to the host's scheduler when the system starts: its relative times count from then. Give the same layer
    /// as <c>OpenStackSessionOptions.Handler</c>, and call this first: the binding must come before the first request.
    /// </summary>
    public static AkkaConfigurationBuilder WithCloudFaults(this AkkaConfigurationBuilder builder, CloudFaults faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        return builder.WithActors((system, _) => faults.Bind(system));
    }
}
