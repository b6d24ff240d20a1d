using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace OpenStack.Actors.ObjectStore;

/// <summary>What an upload knows before its first file: the source's full path, the settings in force, the cluster's
/// limits, whether the container was new, and the outage monitor when the run has one.</summary>
internal sealed record UploadTarget(string Root, ObjectStoreSettings Settings, SwiftCapabilities Capabilities, bool ContainerCreated, OutageMonitor? Monitor)
{
    /// <summary>The source's files, walked on the blocking-I/O dispatcher in an island of their own (the walk blocks on the
    /// file system).</summary>
    public Source<LocalEntry, NotUsed> Walk(string? prefix, TransferFilter? filter) =>
        Source.From(LocalFiles.Walk(Root, prefix, filter))
            .WithAttributes(ActorAttributes.CreateDispatcher("akka.stream.default-blocking-io-dispatcher"))
            .Async();
}

/// <summary>The one preparation step of an upload, single-node or cluster: check the source and the container's name, read
/// <c>/info</c>, create the container (a dry run only asks whether it exists).</summary>
internal static class UploadPreparation
{
    /// <param name="client">The client the upload runs with.</param>
    /// <param name="job">What to upload where.</param>
    /// <param name="monitorFor">Creates the run's outage monitor once the input is checked (it resolves the endpoint),
    /// or null for a run without one.</param>
    /// <param name="cancellationToken">Cancels the preparation.</param>
    /// <exception cref="DirectoryNotFoundException">The source is not a directory.</exception>
    /// <exception cref="ArgumentException">The container's name is one Swift refuses.</exception>
    public static async Task<UploadTarget> PrepareAsync(ObjectStoreClient client, UploadJob job,
        Func<ObjectStoreSettings, CancellationToken, Task<OutageMonitor>>? monitorFor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var root = Path.GetFullPath(job.SourceDirectory);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"'{job.SourceDirectory}' is not a directory");
        SwiftNames.ValidateContainer(job.Container);
        var settings = job.Settings ?? client.Settings;
        var monitor = monitorFor is null ? null : await monitorFor(settings, cancellationToken).ConfigureAwait(false);
        // The first request to the object store is not retried through the monitor (see OutageMonitorAsync): a cloud
        // that cannot be reached at the start is most often a configuration error.
        var capabilities = await client.GetCapabilitiesAsync(cancellationToken).ConfigureAwait(false);
        // A dry run creates nothing: a missing container counts as a new, empty one.
        async Task<bool> Create(CancellationToken ct) => job.DryRun
            ? !await client.ContainerExistsAsync(job.Container, ct).ConfigureAwait(false)
            : await client.CreateContainerAsync(job.Container, cancellationToken: ct).ConfigureAwait(false);
        var created = monitor is null
            ? await Create(cancellationToken).ConfigureAwait(false)
            : await monitor.RetryAsync(Create, cancellationToken).ConfigureAwait(false);
        return new UploadTarget(root, settings, capabilities, created, monitor);
    }
}
