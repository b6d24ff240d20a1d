using System.Net;
using System.Text;
using System.Text.Json;

namespace OpenStack.Actors.TestKit;

// The bulk middleware's delete, the slo middleware's delete of a manifest with its segments, and /info.
public sealed partial class InMemoryObjectStore
{
    /// <summary><c>POST /v1/{account}?bulk-delete</c>: one name a line (<c>container/object</c> or <c>container</c>,
    /// percent-encoded, a leading slash allowed). Objects and empty containers are deleted; a missing one counts as not found,
    /// a container that still holds objects is a 409 in the errors. The answer is always 200; its body tells.</summary>
    private SwiftReply BulkDelete(SwiftRequest r)
    {
        var lines = Encoding.UTF8.GetString(r.Body).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
        if (lines.Count > Options.MaxDeletesPerRequest)
            return BulkAnswer(r, new BulkTally(), "413 Request Entity Too Large", $"Maximum Bulk Deletes: {Options.MaxDeletesPerRequest} per request");
        var tally = new BulkTally();
        foreach (var line in lines)
        {
            var name = Uri.UnescapeDataString(line.Trim());
            var path = name.TrimStart('/');
            var slash = path.IndexOf('/');
            var (container, obj) = slash < 0 ? (path, "") : (path[..slash], path[(slash + 1)..]);
            if (!_accounts.TryGetValue(r.Account, out var account) || !account.Containers.TryGetValue(container, out var c))
            {
                tally.NotFound++;
            }
            else if (obj.Length == 0)
            {
                if (c.Objects.Count > 0) tally.Errors.Add((Quote(name), "409 Conflict"));
                else
                {
                    account.Containers.Remove(container);
                    tally.Deleted++;
                }
            }
            else if (c.Objects.Remove(obj)) tally.Deleted++;
            else tally.NotFound++;
        }
        return BulkAnswer(r, tally);
    }

    /// <summary><c>DELETE ...?multipart-manifest=delete</c>: the manifest's segments (those of nested manifests too), then the
    /// manifest, answered like a bulk delete.</summary>
    private SwiftReply DeleteManifest(SwiftRequest r, StoredContainer? container, StoredObject? manifest)
    {
        var tally = new BulkTally();
        if (manifest is null) tally.NotFound++;
        else if (manifest.Slo is null) tally.Errors.Add(("/" + Quote($"{r.Container}/{r.Object}"), "Not an SLO manifest"));
        else
        {
            DeleteSegments(r.Account, manifest, tally, 0);
            container!.Objects.Remove(r.Object!);
            tally.Deleted++;
        }
        return BulkAnswer(r, tally);
    }

    private void DeleteSegments(string account, StoredObject manifest, BulkTally tally, int depth)
    {
        foreach (var s in manifest.Slo ?? [])
        {
            var c = FindContainer(account, s.Container);
            if (c is null || !c.Objects.TryGetValue(s.Name, out var seg))
            {
                tally.NotFound++;
                continue;
            }
            if (seg.Slo is not null && depth < MaxDepth) DeleteSegments(account, seg, tally, depth + 1);
            c.Objects.Remove(s.Name);
            tally.Deleted++;
        }
    }

    private sealed class BulkTally
    {
        public int Deleted { get; set; }
        public int NotFound { get; set; }
        public List<(string Name, string Status)> Errors { get; } = new();
    }

    /// <summary>The bulk middleware's answer: 200, with the real status in the body (JSON when asked for, else text).</summary>
    private static SwiftReply BulkAnswer(SwiftRequest r, BulkTally t, string? status = null, string body = "")
    {
        status ??= t.Errors.Count > 0 ? "400 Bad Request" : "200 OK";
        if (r.Header("Accept")?.Contains("application/json", StringComparison.OrdinalIgnoreCase) == true)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("Response Status", status);
                w.WriteString("Response Body", body);
                w.WriteNumber("Number Deleted", t.Deleted);
                w.WriteNumber("Number Not Found", t.NotFound);
                w.WriteStartArray("Errors");
                foreach (var (name, error) in t.Errors)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(name);
                    w.WriteStringValue(error);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            return new SwiftReply(HttpStatusCode.OK, buffer.ToArray(), "application/json");
        }
        var text = $"Number Deleted: {t.Deleted}\nNumber Not Found: {t.NotFound}\nResponse Body: {body}\nResponse Status: {status}\nErrors:\n"
            + string.Concat(t.Errors.Select(e => $"{e.Name}, {e.Status}\n"));
        return SwiftReply.Text(HttpStatusCode.OK, text);
    }

    /// <summary>The body of <c>GET /info</c>: the cluster's limits and middleware, as the real proxy publishes them.</summary>
    internal byte[] Info()
    {
        var o = Options;
        return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["swift"] = new Dictionary<string, object>
            {
                ["version"] = "2.30.1-inmemory",
                ["policies"] = new[] { new Dictionary<string, object> { ["name"] = "Policy-0", ["aliases"] = "Policy-0", ["default"] = true } },
                ["account_autocreate"] = true,
                ["allow_account_management"] = false,
                ["max_file_size"] = o.MaxFileSize,
                ["max_meta_name_length"] = 128,
                ["max_meta_value_length"] = 256,
                ["max_meta_count"] = 90,
                ["max_meta_overall_size"] = 4096,
                ["max_header_size"] = 8192,
                ["max_object_name_length"] = o.MaxObjectNameLength,
                ["container_listing_limit"] = o.ContainerListingLimit,
                ["account_listing_limit"] = o.AccountListingLimit,
                ["max_account_name_length"] = 256,
                ["max_container_name_length"] = o.MaxContainerNameLength,
                ["extra_header_count"] = 0,
            },
            ["slo"] = new Dictionary<string, object>
            {
                ["max_manifest_segments"] = o.MaxManifestSegments,
                ["max_manifest_size"] = o.MaxManifestSize,
                ["min_segment_size"] = o.MinSegmentSize,
                ["yield_frequency"] = 10,
                ["allow_async_delete"] = false,
            },
            ["dlo"] = new Dictionary<string, object> { ["max_segments"] = 10_000 },
            ["bulk_delete"] = new Dictionary<string, object> { ["max_deletes_per_request"] = o.MaxDeletesPerRequest, ["max_failed_deletes"] = 1000 },
        });
    }
}
