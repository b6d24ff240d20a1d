using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text;
using OpenStack.Actors.Http;
using OpenStack.Actors.Transport;

namespace OpenStack.Actors.ObjectStore;

/// <summary>What a bulk delete did with one name.</summary>
public enum BulkDeleteOutcome
{
    /// <summary>Gone. Swift counts the names it did not find but does not say which they were, so when a request both
    /// deleted some names and found others missing, every name that did not fail is reported as deleted
    /// (<see cref="BulkDeleteResult.NotFound"/> has the count).</summary>
    Deleted,

    /// <summary>Not there: no name of the request was deleted, and this one did not fail.</summary>
    NotFound,

    /// <summary>Still there, or not confirmed gone; <see cref="BulkDeleteItem.Reason"/> says why.</summary>
    Failed,
}

/// <summary>The outcome for one name of a bulk delete.</summary>
/// <param name="Container">The container.</param>
/// <param name="Name">The object name; null for the container itself.</param>
/// <param name="Outcome">Deleted, not found or failed.</param>
public sealed record BulkDeleteItem(string Container, string? Name, BulkDeleteOutcome Outcome)
{
    /// <summary>Why it failed, in words (e.g. <c>409 Conflict</c> for a container that still holds objects); null otherwise.</summary>
    public string? Reason { get; init; }

    /// <summary>The failure as an exception: an <see cref="HttpErrorException"/> with the status Swift gave this name
    /// (or the whole request), so <see cref="Session.TransientFailures"/> tells whether trying again may help.</summary>
    public OpenStackException? Error { get; init; }
}

/// <summary>The answer to one bulk delete request.</summary>
/// <param name="Items">One per name sent, in the order given.</param>
/// <param name="Deleted">Names Swift deleted.</param>
/// <param name="NotFound">Names Swift did not find (already gone).</param>
/// <param name="RequestId">Swift's transaction id of the request.</param>
public sealed record BulkDeleteResult(IReadOnlyList<BulkDeleteItem> Items, int Deleted, int NotFound, string? RequestId)
{
    /// <summary>Names that failed.</summary>
    public int Failed => Items.Count(i => i.Outcome == BulkDeleteOutcome.Failed);
}

/// <summary>
/// The body the bulk middleware answers (and the SLO middleware, which deletes segments with it): its status comes in
/// the body (<c>Response Status</c>), as the HTTP status is sent before the work is done, and whitespace comes first
/// (a space every few seconds while it works, to keep the connection open).
/// </summary>
internal sealed record BulkDeleteAnswer(int Status, string StatusText, string Body, int Deleted, int NotFound, IReadOnlyList<(string Path, int Status, string Text)> Errors)
{
    internal bool Succeeded => OpenStackResponse.IsSuccessStatus(Status);

    /// <summary>The status and body in words: <c>400 Bad Request: Max delete failures exceeded</c>.</summary>
    internal string Describe() => Body.Length == 0 ? StatusText : $"{StatusText}: {Body}";

    /// <summary>Parses the JSON answer (leading whitespace allowed).</summary>
    /// <exception cref="ObjectStoreProtocolException">Not JSON, or no <c>Response Status</c>: not a bulk delete's answer.</exception>
    internal static BulkDeleteAnswer Parse(ReadOnlySpan<byte> body, string what)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty)
            throw new ObjectStoreProtocolException($"Swift answered the {what} without a result: is the bulk middleware in the proxy's pipeline?");
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("Response Status", out var s) || s.ValueKind != JsonValueKind.String)
                throw new ObjectStoreProtocolException($"The answer to the {what} has no 'Response Status': is the bulk middleware in the proxy's pipeline?");
            var statusText = s.GetString()!.Trim();
            var errors = new List<(string, int, string)>();
            if (root.TryGetProperty("Errors", out var es) && es.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in es.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() < 2) continue;
                    var path = e[0].ValueKind == JsonValueKind.String ? Uri.UnescapeDataString(e[0].GetString()!) : e[0].ToString();
                    var text = e[1].ToString().Trim();
                    errors.Add((path, StatusCode(text), text));
                }
            }
            // The body of an error is Swift's short HTML page.
            var message = ErrorBodies.Message(null, Encoding.UTF8.GetBytes(Str(root, "Response Body"))) ?? "";
            return new BulkDeleteAnswer(StatusCode(statusText), statusText, message, Int(root, "Number Deleted"),
                Int(root, "Number Not Found"), errors);
        }
        catch (JsonException e)
        {
            throw new ObjectStoreProtocolException($"The answer to the {what} is not JSON: {e.Message}", e);
        }

        static string Str(JsonElement e, string key) =>
            e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!.Trim() : "";

        static int Int(JsonElement e, string key) =>
            e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : 0;
    }

    /// <summary>The number a status line starts with (<c>409 Conflict</c>: 409). A message without one is a refusal (400).</summary>
    private static int StatusCode(string text)
    {
        var end = 0;
        while (end < text.Length && char.IsAsciiDigit(text[end])) end++;
        return end > 0 && int.TryParse(text.AsSpan(0, end), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 100 and < 600
            ? n : (int)HttpStatusCode.BadRequest;
    }

    /// <summary>
    /// One outcome per target. A name in <c>Errors</c> failed with its own status. When every name is accounted for
    /// (deleted, not found or in error), the rest are gone; when the request stopped short (413 for too many names,
    /// too many failures, a server error), the names it did not report are failed with the request's status, as some of
    /// them may still be there (deleting them again is harmless).
    /// </summary>
    /// <param name="targets">The names sent, in order.</param>
    /// <param name="endpoint">The account url, for the failures' urls.</param>
    /// <param name="requestId">The bulk request's transaction id.</param>
    internal BulkDeleteResult Outcomes(IReadOnlyList<(string Container, string? Name)> targets, Uri endpoint, string? requestId)
    {
        var failed = new Dictionary<string, (int Status, string Text)>(StringComparer.Ordinal);
        foreach (var (path, status, text) in Errors) failed.TryAdd(path, (status, text));
        var complete = Deleted + NotFound + Errors.Count >= targets.Count;
        var gone = NotFound > 0 && Deleted == 0 ? BulkDeleteOutcome.NotFound : BulkDeleteOutcome.Deleted;
        var items = new List<BulkDeleteItem>(targets.Count);
        foreach (var (container, name) in targets)
        {
            var path = "/" + container + (name is null ? "" : "/" + name);
            var url = new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + (name is null ? SwiftNames.ContainerPath(container) : SwiftNames.ObjectPath(container, name)));
            if (failed.TryGetValue(path, out var f))
                items.Add(Failure(container, name, f.Text, new HttpErrorException(HttpMethod.Delete, url, (HttpStatusCode)f.Status, requestId, "refused in a bulk delete")));
            else if (complete)
                items.Add(new BulkDeleteItem(container, name, gone));
            else
                items.Add(Failure(container, name, "not confirmed: the bulk delete ended with " + Describe(),
                    new HttpErrorException(HttpMethod.Post, endpoint, (HttpStatusCode)Status, requestId, "bulk delete: " + Describe())));
        }
        return new BulkDeleteResult(items, Deleted, NotFound, requestId);
    }

    internal static BulkDeleteItem Failure(string container, string? name, string reason, OpenStackException error) =>
        new(container, name, BulkDeleteOutcome.Failed) { Reason = reason, Error = error };
}
