using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Net.Http.Headers;

namespace OpenStack.Actors.Transport;

/// <summary>
/// A response's headers (message and content) as a read-only, case-insensitive dictionary, read through
/// <c>NonValidated</c> views of the received headers instead of copied into a dictionary per response: most callers read
/// two or three headers, if any. Values are as received; several values of one header are joined with <c>", "</c>.
/// </summary>
internal sealed class ResponseHeaders(HttpResponseHeaders message, HttpContentHeaders content) : IReadOnlyDictionary<string, string>
{
    public int Count => message.NonValidated.Count + content.NonValidated.Count;

    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No header '{key}' in the response");

    public bool ContainsKey(string key) => message.NonValidated.Contains(key) || content.NonValidated.Contains(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        if (message.NonValidated.TryGetValues(key, out var values) || content.NonValidated.TryGetValues(key, out values))
        {
            value = values.ToString();
            return true;
        }
        value = null;
        return false;
    }

    public IEnumerable<string> Keys => this.Select(h => h.Key);

    public IEnumerable<string> Values => this.Select(h => h.Value);

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        foreach (var (name, values) in message.NonValidated) yield return new(name, values.ToString());
        foreach (var (name, values) in content.NonValidated) yield return new(name, values.ToString());
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
