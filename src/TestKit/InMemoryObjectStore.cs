using System.Net;
using System.Text;

namespace OpenStack.Actors.TestKit;

/// <summary>
/// A stateful Swift in memory: accounts, containers and objects with metadata and MD5 ETags; listings with
/// <c>limit</c>/<c>marker</c>/<c>end_marker</c>/<c>prefix</c>/<c>delimiter</c>/<c>reverse</c> in JSON or plain text; ranges and
/// conditional GETs; server-side copies; Static and Dynamic Large Objects with the slo and dlo middlewares' checks; bulk delete;
/// <c>/info</c>. Status codes, headers and error bodies are those of the real Swift (checked by the shared object-store suite,
/// which runs against both). Thread-safe: every request is applied atomically.
/// </summary>
/// <remarks>
/// Put it under the real session with <see cref="InMemoryCloud"/> (which adds a Keystone), or alone with
/// <see cref="CreateHandler"/> (no token checks; pair it with a static authenticator). Accounts exist once addressed, as with
/// Swift's <c>account_autocreate</c>. Objects are kept as byte arrays. Not implemented: expiry (<c>X-Delete-At</c> is kept but
/// never acted on), versioning, ACLs, quotas, temp urls, XML listings, multi-range GETs, storage policies beyond <c>Policy-0</c>.
/// </remarks>
public sealed partial class InMemoryObjectStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, StoredAccount> _accounts = new(StringComparer.Ordinal);
    private decimal _lastTimestamp;
    private long _transactions;

    /// <summary>Creates an empty store.</summary>
    public InMemoryObjectStore(InMemoryObjectStoreOptions? options = null) => Options = options ?? new InMemoryObjectStoreOptions();

    /// <summary>The limits the store enforces.</summary>
    public InMemoryObjectStoreOptions Options { get; }

    /// <summary>The names of an account's containers, in listing order.</summary>
    public IReadOnlyList<string> ContainerNames(string account)
    {
        lock (_gate) return _accounts.TryGetValue(account, out var a) ? a.Containers.Keys.ToList() : [];
    }

    /// <summary>The names of a container's objects, in listing order (empty when the container does not exist).</summary>
    public IReadOnlyList<string> ObjectNames(string account, string container)
    {
        lock (_gate) return FindContainer(account, container) is { } c ? c.Objects.Keys.ToList() : [];
    }

    /// <summary>An object's content as a GET returns it (a large object's segments concatenated), or null when it does not
    /// exist or a segment of it is missing.</summary>
    public byte[]? ReadObject(string account, string container, string name)
    {
        lock (_gate)
            return FindContainer(account, container)?.Objects.TryGetValue(name, out var o) == true && Content(account, o, 0) is { } parts
                ? Concat(parts)
                : null;
    }

    /// <summary>A handler that serves the store without any token check: <c>/info</c> and <c>/v1/{account}/...</c> on any host.
    /// Each call makes a new handler over the same store, so it can be the inner handler of a <see cref="DelegatingHandler"/>.</summary>
    public HttpMessageHandler CreateHandler() => new InMemorySwiftHandler(this, null);

    /// <summary>Answers one request, atomically.</summary>
    internal SwiftReply Handle(SwiftRequest r)
    {
        SwiftReply reply;
        long tx;
        lock (_gate)
        {
            tx = ++_transactions;
            reply = r.Container is null ? Account(r) : r.Object is null ? Container(r) : Object(r);
        }
        var id = $"tx{tx:x21}-{(long)Now():x10}";
        return reply.With("X-Trans-Id", id).With("X-Openstack-Request-Id", id);
    }

    // ------------------------------------------------------------------ account

    private SwiftReply Account(SwiftRequest r)
    {
        var account = AccountOf(r.Account);
        switch (r.Method)
        {
            case "HEAD":
            case "GET":
                var reply = r.IsHead ? new SwiftReply(HttpStatusCode.NoContent, null, "text/plain; charset=utf-8") : ListContainers(r, account);
                return reply.WithAll(AccountHeaders(account));
            case "POST" when r.Has("bulk-delete"):
                return BulkDelete(r);
            case "POST":
                SetMetadata(account.Metadata, r, "X-Account-Meta-");
                return SwiftReply.NoContent();
            default:
                return SwiftReply.Page(HttpStatusCode.MethodNotAllowed);
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> AccountHeaders(StoredAccount a)
    {
        yield return new("X-Account-Container-Count", a.Containers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("X-Account-Object-Count", a.Containers.Values.Sum(c => (long)c.Objects.Count).ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("X-Account-Bytes-Used", a.Containers.Values.Sum(c => c.Bytes).ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("X-Timestamp", SwiftFormat.XTimestamp(a.Created));
        yield return new("Accept-Ranges", "bytes");
        foreach (var m in a.Metadata) yield return m;
    }

    // ------------------------------------------------------------------ container

    private SwiftReply Container(SwiftRequest r)
    {
        var account = AccountOf(r.Account);
        var name = r.Container!;
        account.Containers.TryGetValue(name, out var container);
        switch (r.Method)
        {
            case "PUT":
                if (NameTooLong("Container", name, Options.MaxContainerNameLength) is { } tooLong) return tooLong;
                var created = container is null;
                container ??= account.Containers[name] = new StoredContainer(NextTimestamp());
                SetMetadata(container.Metadata, r, "X-Container-Meta-");
                return created ? SwiftReply.Page(HttpStatusCode.Created).Empty() : SwiftReply.Page(HttpStatusCode.Accepted);
            case "HEAD" or "GET" when container is not null:
                var reply = r.IsHead ? new SwiftReply(HttpStatusCode.NoContent, null, "text/plain; charset=utf-8") : ListObjects(r, container);
                return reply.WithAll(ContainerHeaders(container));
            case "POST" when container is not null:
                SetMetadata(container.Metadata, r, "X-Container-Meta-");
                return SwiftReply.NoContent();
            case "DELETE" when container is not null:
                if (container.Objects.Count > 0) return SwiftReply.Page(HttpStatusCode.Conflict);
                account.Containers.Remove(name);
                return SwiftReply.NoContent();
            case "HEAD" or "GET" or "POST" or "DELETE":
                return SwiftReply.Page(HttpStatusCode.NotFound);
            default:
                return SwiftReply.Page(HttpStatusCode.MethodNotAllowed);
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> ContainerHeaders(StoredContainer c)
    {
        yield return new("X-Container-Object-Count", c.Objects.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("X-Container-Bytes-Used", c.Bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("X-Timestamp", SwiftFormat.XTimestamp(c.Created));
        yield return new("Last-Modified", SwiftFormat.HttpDate(c.Created));
        yield return new("Accept-Ranges", "bytes");
        yield return new("X-Storage-Policy", "Policy-0");
        foreach (var m in c.Metadata) yield return m;
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>Swift's constraint check of a name's length (in bytes of UTF-8), with its message.</summary>
    private static SwiftReply? NameTooLong(string what, string name, int max)
    {
        var length = Encoding.UTF8.GetByteCount(name);
        return length > max ? SwiftReply.Text(HttpStatusCode.BadRequest, $"{what} name length of {length} longer than {max}", "text/html; charset=UTF-8") : null;
    }

    /// <summary>Merges metadata headers of one prefix into a set: a header with an empty value (or an X-Remove-...) removes the key.</summary>
    private static void SetMetadata(List<KeyValuePair<string, string>> metadata, SwiftRequest r, string prefix)
    {
        var remove = "X-Remove-" + prefix["X-".Length..];
        foreach (var (key, value) in r.Headers)
        {
            string name;
            if (key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) name = key;
            else if (key.StartsWith(remove, StringComparison.OrdinalIgnoreCase)) name = prefix + key[remove.Length..];
            else continue;
            metadata.RemoveAll(m => m.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (value.Length > 0 && !key.StartsWith(remove, StringComparison.OrdinalIgnoreCase)) metadata.Add(new(name, value));
        }
    }

    private StoredAccount AccountOf(string name)
    {
        if (!_accounts.TryGetValue(name, out var a)) _accounts[name] = a = new StoredAccount(NextTimestamp());
        return a;
    }

    private StoredContainer? FindContainer(string account, string container) =>
        _accounts.TryGetValue(account, out var a) && a.Containers.TryGetValue(container, out var c) ? c : null;

    private decimal Now() => SwiftFormat.Timestamp(Options.Clock());

    /// <summary>A timestamp after every earlier one, as Swift's are unique per write.</summary>
    private decimal NextTimestamp()
    {
        var now = Now();
        _lastTimestamp = now > _lastTimestamp ? now : _lastTimestamp + 0.00001m;
        return _lastTimestamp;
    }

    private static byte[] Concat(List<ReadOnlyMemory<byte>> parts)
    {
        var all = new byte[parts.Sum(p => (long)p.Length)];
        var at = 0;
        foreach (var p in parts)
        {
            p.Span.CopyTo(all.AsSpan(at));
            at += p.Length;
        }
        return all;
    }
}

internal sealed class StoredAccount(decimal created)
{
    public decimal Created { get; } = created;
    public SwiftSortedMap<StoredContainer> Containers { get; } = new();
    public List<KeyValuePair<string, string>> Metadata { get; } = new();
}

internal sealed class StoredContainer(decimal created)
{
    public decimal Created { get; } = created;
    private long _bytes;
    private long _bytesVersion = -1;

    public SwiftSortedMap<StoredObject> Objects { get; } = new();
    public List<KeyValuePair<string, string>> Metadata { get; } = new();

    /// <summary>Bytes used as Swift counts them: each object's listed size (a Static Large Object's whole size). Summed
    /// again only after a change, since every HEAD and listing of the container answers it.</summary>
    public long Bytes
    {
        get
        {
            if (_bytesVersion != Objects.Version) (_bytes, _bytesVersion) = (Objects.Values.Sum(o => o.ListedBytes), Objects.Version);
            return _bytes;
        }
    }
}

/// <summary>One stored object. For a Static Large Object, <see cref="Data"/> is the stored manifest and <see cref="Slo"/> its segments.</summary>
internal sealed class StoredObject
{
    public required byte[] Data { get; init; }
    public required string ETag { get; init; }
    public required string ContentType { get; set; }
    public required decimal Timestamp { get; set; }

    /// <summary>X-Object-Meta-* and the other headers Swift keeps with an object (Content-Disposition, Content-Encoding, X-Delete-At).</summary>
    public List<KeyValuePair<string, string>> Metadata { get; init; } = new();

    public IReadOnlyList<StoredSegment>? Slo { get; init; }
    public string? SloETag { get; init; }
    public long SloBytes { get; init; }

    /// <summary>The X-Object-Manifest of a Dynamic Large Object (<c>container/prefix</c>, unquoted).</summary>
    public string? DloManifest { get; set; }

    public long ListedBytes => Slo is null ? Data.Length : SloBytes;
}

/// <summary>A segment of a stored Static Large Object, as the manifest records it.</summary>
internal sealed record StoredSegment(string Container, string Name, long Bytes, string Hash, string ContentType, string LastModified, long? RangeStart, long? RangeEnd)
{
    /// <summary>True when the segment is itself a Static Large Object.</summary>
    public bool SubSlo { get; init; }

    public long Length => RangeStart is { } s ? RangeEnd!.Value - s + 1 : Bytes;
}
