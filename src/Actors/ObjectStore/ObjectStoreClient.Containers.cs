using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.ObjectStore;

// The account, its containers, and container listings (every page, however the server caps them).
public sealed partial class ObjectStoreClient
{
    // ------------------------------------------------------------------ account and containers

    /// <summary>The account's totals and metadata.</summary>
    public async Task<AccountInfo> GetAccountAsync(CancellationToken cancellationToken = default)
    {
        var r = await Session.HeadAsync("", Service, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new AccountInfo(
            SwiftHeaders.Long(r.Headers, "X-Account-Container-Count"),
            SwiftHeaders.Long(r.Headers, "X-Account-Object-Count"),
            SwiftHeaders.Long(r.Headers, "X-Account-Bytes-Used"),
            SwiftHeaders.Metadata(r.Headers, "X-Account-Meta-")) { Headers = r.Headers };
    }

    /// <summary>All containers of the account (or those the options select), page by page as they are read.</summary>
    public async IAsyncEnumerable<ContainerEntry> ListContainersAsync(ListOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var o = options ?? ListOptions.Default;
        while (true)
        {
            var page = await ListContainersPageAsync(o, cancellationToken).ConfigureAwait(false);
            foreach (var e in page.Entries) yield return e;
            if (page.NextMarker is null) yield break;
            o = o with { Marker = page.NextMarker };
        }
    }

    /// <summary>One page of the container listing.</summary>
    public async Task<ListPage<ContainerEntry>> ListContainersPageAsync(ListOptions options, CancellationToken cancellationToken = default)
    {
        var r = await Session.GetAsync(ListQuery(options), Service, cancellationToken: cancellationToken).ConfigureAwait(false);
        var entries = ParseArray(r, "account listing", e => new ContainerEntry(
            Str(e, "name") ?? throw new ObjectStoreProtocolException("A container listing entry has no name"),
            Num(e, "count"), Num(e, "bytes"), Time(e, "last_modified")));
        return new ListPage<ContainerEntry>(entries, NextMarker(entries.Count, options, entries.Count == 0 ? null : entries[^1].Name,
            CountOrUnknown(r, "X-Account-Container-Count")));
    }

    /// <summary>The container's totals and metadata; <see cref="HttpErrorException"/> 404 when it does not exist.</summary>
    public async Task<ContainerInfo> GetContainerAsync(string container, CancellationToken cancellationToken = default)
    {
        var r = await Session.HeadAsync(SwiftNames.ContainerPath(container), Service, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new ContainerInfo(container,
            SwiftHeaders.Long(r.Headers, "X-Container-Object-Count"),
            SwiftHeaders.Long(r.Headers, "X-Container-Bytes-Used"),
            r.Header("X-Storage-Policy"),
            SwiftHeaders.Metadata(r.Headers, "X-Container-Meta-")) { Headers = r.Headers };
    }

    /// <summary>True when the container exists (a HEAD answered 2xx), false on 404.</summary>
    public async Task<bool> ContainerExistsAsync(string container, CancellationToken cancellationToken = default)
    {
        var r = await Session.HeadAsync(SwiftNames.ContainerPath(container), Service, options: Lenient, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (r.Status == HttpStatusCode.NotFound) return false;
        return r.IsSuccess ? true : throw Error(r);
    }

    /// <summary>Creates a container (idempotent). True when it was created, false when it existed.</summary>
    /// <param name="container">The name.</param>
    /// <param name="headers">Extra headers (<c>X-Container-Meta-*</c>, <c>X-Storage-Policy</c>, ACLs).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="InvalidObjectNameException">A name no URL can carry.</exception>
    /// <exception cref="HttpErrorException">Swift refused it (e.g. 400 for a name longer than the cluster allows).</exception>
    public async Task<bool> CreateContainerAsync(string container, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
    {
        var r = await Session.PutAsync(SwiftNames.ContainerPath(container), null, Service, headers: headers, cancellationToken: cancellationToken).ConfigureAwait(false);
        return r.Status == HttpStatusCode.Created;
    }

    /// <summary>Deletes an empty container. True when deleted, false when it did not exist;
    /// <see cref="HttpErrorException"/> 409 when it still holds objects.</summary>
    public async Task<bool> DeleteContainerAsync(string container, CancellationToken cancellationToken = default)
    {
        var r = await Session.DeleteAsync(SwiftNames.ContainerPath(container), Service, options: Lenient, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (r.Status == HttpStatusCode.NotFound) return false;
        if (!r.IsSuccess) throw Error(r);
        return true;
    }

    // ------------------------------------------------------------------ listing objects

    /// <summary>The objects of a container (or those the options select), page by page as they are read.</summary>
    /// <exception cref="HttpErrorException">404 when the container does not exist.</exception>
    public IAsyncEnumerable<ObjectEntry> ListObjectsAsync(string container, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        ListObjectsAsync(container, options, null, cancellationToken);

    /// <summary>The listing of a batch: a page that fails transiently pauses it (through <paramref name="monitor"/>) and is asked again.</summary>
    internal async IAsyncEnumerable<ObjectEntry> ListObjectsAsync(string container, ListOptions? options, OutageMonitor? monitor,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var o = options ?? ListOptions.Default;
        while (true)
        {
            var current = o;
            var page = monitor is null
                ? await ListObjectsPageAsync(container, o, cancellationToken).ConfigureAwait(false)
                : await monitor.RetryAsync(ct => ListObjectsPageAsync(container, current, ct), cancellationToken).ConfigureAwait(false);
            foreach (var e in page.Entries) yield return e;
            if (page.NextMarker is null) yield break;
            o = o with { Marker = page.NextMarker };
        }
    }

    /// <summary>One page of a container listing; <see cref="ListPage{T}.NextMarker"/> continues it.</summary>
    public async Task<ListPage<ObjectEntry>> ListObjectsPageAsync(string container, ListOptions options, CancellationToken cancellationToken = default)
    {
        var r = await Session.GetAsync(SwiftNames.ContainerPath(container) + ListQuery(options), Service, cancellationToken: cancellationToken).ConfigureAwait(false);
        var entries = ParseArray(r, $"listing of '{container}'", ParseObjectEntry);
        return new ListPage<ObjectEntry>(entries, NextMarker(entries.Count, options, entries.Count == 0 ? null : entries[^1].Name,
            CountOrUnknown(r, "X-Container-Object-Count")));
    }

    private static ObjectEntry ParseObjectEntry(JsonElement e)
    {
        if (Str(e, "subdir") is { } subdir) return new ObjectEntry(subdir, null, 0, null, null) { IsSubdir = true };
        var slo = Str(e, "slo_etag");
        return new ObjectEntry(Str(e, "name") ?? throw new ObjectStoreProtocolException("An object listing entry has no name"),
            Str(e, "hash"), Num(e, "bytes"), Str(e, "content_type"), Time(e, "last_modified"), slo is null ? null : SwiftHeaders.UnquoteETag(slo));
    }

    private static string ListQuery(ListOptions o)
    {
        if (o.PageSize <= 0) throw new ArgumentException("ListOptions.PageSize must be positive", nameof(o));
        return SwiftNames.Query(("format", "json"), ("limit", o.PageSize.ToString(CultureInfo.InvariantCulture)),
            ("prefix", o.Prefix), ("delimiter", o.Delimiter?.ToString()), ("marker", o.Marker), ("end_marker", o.EndMarker));
    }

    // Only an empty page ends a listing: Swift fills every page up to the limit, but Ceph RGW caps pages at
    // rgw_max_listing_results whatever the limit says. A short first page of an unfiltered listing that holds as many
    // entries as the container (or account) is the whole listing, which saves the empty page in the common small case.
    private static string? NextMarker(int count, ListOptions o, string? last, long total)
    {
        if (count == 0 || last is null) return null;
        var wholeListing = o.Marker is null && o.Prefix is null && o.Delimiter is null && o.EndMarker is null;
        return count < o.PageSize && wholeListing && count >= total ? null : last;
    }

    private static long CountOrUnknown(OpenStackResponse r, string header) =>
        r.Headers.ContainsKey(header) ? SwiftHeaders.Long(r.Headers, header) : long.MaxValue;
}
