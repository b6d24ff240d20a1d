using Akka.Actor;
using OpenStack.Actors.Config;
using OpenStack.Actors.Hosting;

namespace EmbeddedUpload;

/// <summary>An application with its own ActorSystem that embeds an OpenStack session and uploads from its own actor.</summary>
public static class SampleApp
{
    /// <summary>Uploads <paramref name="directory"/> to <paramref name="container"/> of the cloud named in clouds.yaml.</summary>
    /// <returns>The uploader's answer.</returns>
    public static async Task<DirectoryUploaderActor.DirectoryUploaded> RunAsync(string cloud, string directory, string container,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        // The application's own system and config; the library adds its reference.conf defaults as a fallback.
        using var system = ActorSystem.Create("my-app", "akka.loglevel = WARNING");
        var config = CloudConfig.Load(cloud, environment);
        var openstack = OpenStackExtension.Get(system);
        var session = openstack.CreateSession(config.CreateAuthenticator(), "my-cloud", config.ApplyTo(openstack.Settings));

        var uploader = system.ActorOf(DirectoryUploaderActor.Props(session.Actor, config.Filter("object-store")), "uploader");
        var result = await uploader.Ask<DirectoryUploaderActor.DirectoryUploaded>(
            new DirectoryUploaderActor.UploadDirectory(Path.GetFullPath(directory), container), TimeSpan.FromMinutes(10));
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        return result;
    }
}
