using System.Net;
using System.Text;
using OpenStack.Actors.Http;
using OpenStack.Actors.Session;

namespace OpenStack.Actors.ObjectStore;

// Deletes of many objects, or of empty containers, in one request to Swift's bulk middleware.
public sealed partial class ObjectStoreClient
{
    private static readonly IReadOnlyDictionary<string, string> AcceptJson = new Dictionary<string, string> { ["Accept"] = "application/json" };

    /// <summary>
    /// Deletes objects and empty containers with one request to Swift's bulk middleware, which deletes the objects first,
    /// then the containers. Check <see cref="SwiftCapabilities.BulkDeleteSupported"/> first: without the middleware the
    /// request reaches the account and deletes nothing (<see cref="ObjectStoreProtocolException"/>). A Static Large
    /// Object loses only its manifest this way; <see cref="DeleteObjectAsync"/> with segments deletes both. A name too
    /// long for a line of the request goes with a DELETE of its own.
    /// </summary>
    /// <param name="targets">Containers and object names (a null name: the container itself), at most the cluster's
    /// <see cref="SwiftCapabilities.MaxDeletesPerRequest"/> (Swift refuses more: every name then fails with 413).</param>
    /// <param name="capabilities">The cluster's name limits, which decide the longest line; null: Swift's defaults.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>One outcome per target, in the order given. A name refused by Swift (e.g. 409 for a container that is
    /// not empty), or one no URL can carry (<see cref="InvalidObjectNameException"/>), fails alone; the request failing
    /// as a whole throws.</returns>
    public async Task<BulkDeleteResult> BulkDeleteAsync(IReadOnlyList<(string Container, string? Name)> targets, SwiftCapabilities? capabilities = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var caps = capabilities ?? SwiftCapabilities.Defaults;
        var items = new BulkDeleteItem[targets.Count];
        var lines = new byte[targets.Count][];
        for (var i = 0; i < targets.Count; i++)
        {
            try
            {
                lines[i] = BulkLine(targets[i].Container, targets[i].Name);
            }
            catch (InvalidObjectNameException e)
            {
                items[i] = BulkDeleteAnswer.Failure(targets[i].Container, targets[i].Name, e.Message, e);
            }
        }
        // Swift reads the body in pieces as long as its longest path and refuses the whole request when a line is longer
        // than two of them; a line no longer than one always fits.
        var longest = caps.MaxObjectNameLength + caps.MaxContainerNameLength + 2;
        var bulk = Enumerable.Range(0, targets.Count).Where(i => items[i] is null && lines[i].Length < longest).ToList();
        var (deleted, notFound) = (0, 0);
        string? requestId = null;
        if (bulk.Count > 0)
        {
            var endpoint = await GetEndpointAsync(cancellationToken).ConfigureAwait(false);
            var body = new MemoryStream();
            foreach (var i in bulk)
            {
                body.Write(lines[i]);
                body.WriteByte((byte)'\n');
            }
            var request = RequestBody.FromBytes(body.ToArray(), "text/plain");
            var (answer, id, _) = await BulkAnswerAsync(HttpMethod.Post, "?bulk-delete", request, "bulk delete", cancellationToken).ConfigureAwait(false);
            if (answer.Errors.Count > 0 && answer.Deleted + answer.NotFound == 0 && answer.Errors.All(e => e.Status == (int)HttpStatusCode.Unauthorized))
            {
                // The proxy checks the token per name, so a rejected token comes back in the body, where the session does
                // not see it: an authenticated HEAD of the account lets the session replace it, then the request goes again.
                await Session.HeadAsync("", Service, options: Lenient, cancellationToken: cancellationToken).ConfigureAwait(false);
                (answer, id, _) = await BulkAnswerAsync(HttpMethod.Post, "?bulk-delete", request, "bulk delete", cancellationToken).ConfigureAwait(false);
            }
            var result = answer.Outcomes(bulk.Select(i => targets[i]).ToList(), endpoint, id);
            for (var k = 0; k < bulk.Count; k++) items[bulk[k]] = result.Items[k];
            (deleted, notFound, requestId) = (result.Deleted, result.NotFound, id);
        }
        for (var i = 0; i < targets.Count; i++)
        {
            if (items[i] is not null) continue;
            var (container, name) = targets[i];
            items[i] = await DeleteOneAsync(container, name, cancellationToken).ConfigureAwait(false);
            if (items[i].Outcome == BulkDeleteOutcome.Deleted) deleted++;
            if (items[i].Outcome == BulkDeleteOutcome.NotFound) notFound++;
        }
        return new BulkDeleteResult(items, deleted, notFound, requestId);
    }

    /// <summary>Deletes plain objects of one container (no segments): in bulk requests of up to <paramref name="perRequest"/>
    /// names, or with one DELETE each when it is 0 (a cluster without bulk delete). One outcome per name.</summary>
    internal async Task<IReadOnlyList<BulkDeleteItem>> DeleteObjectsAsync(string container, IReadOnlyCollection<string> names, int perRequest,
        SwiftCapabilities capabilities, CancellationToken cancellationToken)
    {
        var items = new List<BulkDeleteItem>(names.Count);
        if (perRequest <= 0)
        {
            foreach (var name in names) items.Add(await DeleteOneAsync(container, name, cancellationToken).ConfigureAwait(false));
            return items;
        }
        foreach (var chunk in names.Chunk(perRequest))
        {
            try
            {
                var result = await BulkDeleteAsync(chunk.Select(n => (container, (string?)n)).ToList(), capabilities, cancellationToken).ConfigureAwait(false);
                items.AddRange(result.Items);
            }
            catch (OpenStackException e)
            {
                items.AddRange(chunk.Select(n => BulkDeleteAnswer.Failure(container, n, e.Message, e)));
            }
        }
        return items;
    }

    /// <summary>A DELETE of one object (or container), as an outcome.</summary>
    private async Task<BulkDeleteItem> DeleteOneAsync(string container, string? name, CancellationToken cancellationToken)
    {
        try
        {
            var found = name is null
                ? await DeleteContainerAsync(container, cancellationToken).ConfigureAwait(false)
                : await DeleteObjectAsync(container, name, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new BulkDeleteItem(container, name, found ? BulkDeleteOutcome.Deleted : BulkDeleteOutcome.NotFound);
        }
        catch (OpenStackException e)
        {
            return BulkDeleteAnswer.Failure(container, name, e.Message, e);
        }
    }

    /// <summary>
    /// <c>/container/object</c> as a line of a bulk delete, UTF-8 and percent-encoded except for unreserved characters,
    /// <c>/</c> and non-ASCII bytes: Swift decodes the line, so those may go as they are, which keeps a line as long as
    /// the name itself (every byte encoded would triple a non-ASCII name). Whitespace is encoded, as Swift trims lines.
    /// </summary>
    internal static byte[] BulkLine(string container, string? name)
    {
        SwiftNames.ValidateContainer(container);
        if (name is not null) SwiftNames.ValidateObject(container, name);
        var raw = Encoding.UTF8.GetBytes("/" + container + (name is null ? "" : "/" + name));
        var line = new List<byte>(raw.Length + 16);
        foreach (var b in raw)
        {
            if (b >= 0x80 || char.IsAsciiLetterOrDigit((char)b) || b is (byte)'/' or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
            {
                line.Add(b);
                continue;
            }
            line.Add((byte)'%');
            line.Add((byte)"0123456789ABCDEF"[b >> 4]);
            line.Add((byte)"0123456789ABCDEF"[b & 0xF]);
        }
        return line.ToArray();
    }

    /// <summary>Sends a request the bulk middleware answers (a bulk delete, or an SLO's delete with its segments) and reads
    /// the answer, however long the work takes while Swift keeps sending its spaces.</summary>
    private async Task<(BulkDeleteAnswer Answer, string? RequestId, Uri Url)> BulkAnswerAsync(HttpMethod method, string path, RequestBody? body, string what,
        CancellationToken cancellationToken)
    {
        // Sending it again is harmless (what is gone is then not found), so a failed attempt is retried like a DELETE;
        // the status line comes with Swift's first space, which can take up to its yield frequency.
        var options = new RequestOptions { StreamResponse = true, RetryNonIdempotent = true, Timeout = Settings.TransferTimeout };
        using var r = await Session.SendAsync(new OpenStackRequest(method, path) { Service = Service, Body = body, Headers = AcceptJson, Options = options },
            cancellationToken).ConfigureAwait(false);
        var bytes = await ReadHeartbeatBodyAsync(r, what, cancellationToken).ConfigureAwait(false);
        return (BulkDeleteAnswer.Parse(bytes, what), r.RequestId, r.Url);
    }

    /// <summary>The body of a streamed answer. Swift sends a space every few seconds while it works, so a body silent for a
    /// whole <see cref="ObjectStoreSettings.TransferTimeout"/> comes from a stalled server, however long the work takes.</summary>
    private async Task<byte[]> ReadHeartbeatBodyAsync(OpenStackResponse r, string what, CancellationToken cancellationToken)
    {
        if (r.BodyStream is not { } stream) return r.Body.ToArray();
        var idle = Settings.TransferTimeout;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (true)
            {
                silence.CancelAfter(idle);
                var n = await stream.ReadAsync(chunk, silence.Token).ConfigureAwait(false);
                if (n == 0) return buffer.ToArray();
                buffer.Write(chunk, 0, n);
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RequestTimeoutException($"The answer to the {what} ({r.Method} {Redaction.Url(r.Url)}) stopped for {idle.TotalSeconds:0.###} s", idle, e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new ConnectionFailedException($"The answer to the {what} ({r.Method} {Redaction.Url(r.Url)}) broke off: {e.Message}", e);
        }
    }
}
