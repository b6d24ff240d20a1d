using Akka;
using Akka.Streams.Dsl;

namespace OpenStack.Actors.ObjectStore;

/// <summary>What an upload knows before its first file: the source's full path (and the object name when it is one file),
/// the settings in force, the cluster's limits, whether the container was new, and the outage monitor when the run has one.</summary>
internal sealed record UploadTarget(string Root, string? FileObjectName, ObjectStoreSettings Settings, SwiftCapabilities Capabilities,
    bool ContainerCreated, OutageMonitor? Monitor)
{
    /// <summary>The source's files (a single file is a walk of one).</summary>
    public Source<LocalEntry, NotUsed> Walk(string? prefix, TransferFilter? filter) =>
        FileObjectName is null ? ObjectStoreStreams.LocalDirectory(Root, prefix, filter) : ObjectStoreStreams.LocalFile(Root, FileObjectName, filter);
}

/// <summary>The one preparation step of an upload (a batch's, a stage's, a cluster's), of a tree, a file or a stream: check the
/// input and the container's name, read <c>/info</c>, create the container (a dry run only asks whether it exists).</summary>
internal static class UploadPreparation
{
    /// <param name="client">The client the upload runs with.</param>
    /// <param name="job">What to upload where.</param>
    /// <param name="monitorFor">Creates the run's outage monitor once the input is checked (it resolves the endpoint),
    /// or null for a run without one.</param>
    /// <param name="cancellationToken">Cancels the preparation.</param>
    /// <exception cref="DirectoryNotFoundException">The source is neither a directory nor a file.</exception>
    /// <exception cref="ArgumentException">The container's name is one Swift refuses, a header cannot be set, or an
    /// object name was given for a directory.</exception>
    public static async Task<UploadTarget> PrepareAsync(ObjectStoreClient client, UploadJob job,
        Func<ObjectStoreSettings, CancellationToken, Task<OutageMonitor>>? monitorFor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var root = Path.GetFullPath(job.Source);
        var isFile = File.Exists(root);
        if (!isFile && !Directory.Exists(root)) throw new DirectoryNotFoundException($"'{job.Source}' is neither a directory nor a file");
        if (!isFile && job.ObjectName is not null) throw new ArgumentException($"an object name goes with one file, and '{job.Source}' is a directory");
        var name = isFile ? SwiftNames.JoinPrefix(job.Prefix, job.ObjectName ?? Path.GetFileName(root)) : null;
        var (settings, capabilities, created, monitor) = await PrepareContainerAsync(client, job.Container, job.Settings, job.Headers, monitorFor,
            cancellationToken, job.DryRun).ConfigureAwait(false);
        return new UploadTarget(root, name, settings, capabilities, created, monitor);
    }

    /// <summary>The checks and requests every upload starts with, once its source is known.</summary>
    public static async Task<(ObjectStoreSettings Settings, SwiftCapabilities Capabilities, bool Created, OutageMonitor? Monitor)> PrepareContainerAsync(
        ObjectStoreClient client, string container, ObjectStoreSettings? jobSettings, IReadOnlyDictionary<string, string>? headers,
        Func<ObjectStoreSettings, CancellationToken, Task<OutageMonitor>>? monitorFor, CancellationToken cancellationToken, bool dryRun = false)
    {
        SwiftNames.ValidateContainer(container);
        UploadHeaders.Validate(headers);
        var settings = jobSettings ?? client.Settings;
        var monitor = monitorFor is null ? null : await monitorFor(settings, cancellationToken).ConfigureAwait(false);
        // The first request to the object store is not retried through the monitor (see OutageMonitorAsync): a cloud
        // that cannot be reached at the start is most often a configuration error.
        var capabilities = await client.GetCapabilitiesAsync(cancellationToken).ConfigureAwait(false);
        // A dry run creates nothing: a missing container counts as a new, empty one.
        async Task<bool> Create(CancellationToken ct) => dryRun
            ? !await client.ContainerExistsAsync(container, ct).ConfigureAwait(false)
            : await client.CreateContainerAsync(container, cancellationToken: ct).ConfigureAwait(false);
        var created = monitor is null
            ? await Create(cancellationToken).ConfigureAwait(false)
            : await monitor.RetryAsync(Create, cancellationToken).ConfigureAwait(false);
        return (settings, capabilities, created, monitor);
    }
}
