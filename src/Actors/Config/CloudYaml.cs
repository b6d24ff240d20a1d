using System.Collections;
using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using static OpenStack.Actors.Config.ConfigEnvironment;

namespace OpenStack.Actors.Config;

/// <summary>Reading clouds.yaml and secure.yaml: YAML (anchors and merge keys) to plain string-keyed maps, one cloud's
/// entry, the deep merge of secure.yaml over clouds.yaml, and the warning for a readable file that holds secrets.</summary>
internal static class CloudYaml
{
    internal static object? ReadYaml(string path, string? cloud)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CloudConfigException($"Cannot read {path}: {ex.Message}", cloud, [path], ex);
        }
        try
        {
            var root = PlainYaml.TryRead(text, out var plain) ? plain : new DeserializerBuilder().Build().Deserialize<object?>(PlainYaml.Parser(text));
            return Normalize(root, normalizeKeys: false);
        }
        catch (YamlException ex)
        {
            throw new CloudConfigException(
                $"{path} is not valid YAML (line {ex.Start.Line}, column {ex.Start.Column}): {YamlReason(ex)}", cloud, [path], ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner gives up this way on some unfinished flow collections, with no position.
            throw new CloudConfigException($"{path} is not valid YAML: it ends inside something unfinished (an unclosed '[' or '{{'?)", cloud, [path], ex);
        }
    }

    /// <summary>YamlDotNet's message without its position prefix (the messages describe syntax, never content).</summary>
    internal static string YamlReason(YamlException ex)
    {
        var message = ex.Message;
        if (message.StartsWith("(Line:", StringComparison.Ordinal))
        {
            var end = message.IndexOf("): ", StringComparison.Ordinal);
            var second = end < 0 ? -1 : message.IndexOf("): ", end + 3, StringComparison.Ordinal);
            var cut = second >= 0 ? second : end;
            if (cut >= 0) message = message[(cut + 3)..];
        }
        return message;
    }

    /// <summary>Deserialized YAML as string-keyed dictionaries, lists and string scalars.</summary>
    internal static object? Normalize(object? node, bool normalizeKeys) => node switch
    {
        IDictionary map => NormalizeMap(map, normalizeKeys),
        IList list => list.Cast<object?>().Select(i => Normalize(i, normalizeKeys)).ToList(),
        null => null,
        string s => s,
        _ => Convert.ToString(node, CultureInfo.InvariantCulture),
    };

    internal static Dictionary<string, object?> NormalizeMap(IDictionary map, bool normalizeKeys)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in map)
        {
            if (Convert.ToString(e.Key, CultureInfo.InvariantCulture) is not { } key) continue;
            result[normalizeKeys ? key.Replace('-', '_') : key] = Normalize(e.Value, normalizeKeys);
        }
        return result;
    }

    internal static IEnumerable<string> CloudNames(object? root) =>
        root is Dictionary<string, object?> map && map.GetValueOrDefault("clouds") is Dictionary<string, object?> clouds ? clouds.Keys : [];

    internal static Dictionary<string, object?>? CloudEntry(object? root, string name, string file)
    {
        if (root is null) return null;
        if (root is not Dictionary<string, object?> map)
            throw new CloudConfigException($"{file} is not a YAML mapping with a 'clouds' key", name, [file]);
        if (!map.TryGetValue("clouds", out var cloudsNode) || cloudsNode is null) return null;
        if (cloudsNode is not Dictionary<string, object?> clouds)
            throw new CloudConfigException($"'clouds' in {file} is not a mapping of cloud names", name, [file]);
        if (!clouds.TryGetValue(name, out var entry)) return null;
        return entry switch
        {
            null => new Dictionary<string, object?>(StringComparer.Ordinal),
            Dictionary<string, object?> e => (Dictionary<string, object?>)Normalize(e, normalizeKeys: true)!,
            _ => throw new CloudConfigException($"Cloud '{name}' in {file} is not a mapping", name, [file]),
        };
    }

    internal static Dictionary<string, object?> DeepMerge(Dictionary<string, object?> under, Dictionary<string, object?> over)
    {
        var result = new Dictionary<string, object?>(under, StringComparer.Ordinal);
        foreach (var (k, v) in over)
        {
            if (v is null) continue;
            result[k] = result.GetValueOrDefault(k) is Dictionary<string, object?> a && v is Dictionary<string, object?> b ? DeepMerge(a, b) : v;
        }
        return result;
    }

    internal static bool IsSecretKey(string key)
    {
        var k = key.ToLowerInvariant().Replace('-', '_');
        return k is "token" || k.EndsWith("_token", StringComparison.Ordinal)
            || k.Contains("password", StringComparison.Ordinal) || k.Contains("secret", StringComparison.Ordinal)
            || k.Contains("passcode", StringComparison.Ordinal);
    }

    internal static bool ContainsSecret(object? node) => node switch
    {
        Dictionary<string, object?> map => map.Any(e => (IsSecretKey(e.Key) && NonEmpty(e.Value as string) is not null) || ContainsSecret(e.Value)),
        List<object?> list => list.Any(ContainsSecret),
        _ => false,
    };

    internal static void CheckPermissions(string path, object? root, List<string> warnings)
    {
        if (OperatingSystem.IsWindows() || !ContainsSecret(root)) return;
        UnixFileMode mode;
        try
        {
            mode = File.GetUnixFileMode(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
        {
            warnings.Add($"{path} holds credentials but is readable by {((mode & UnixFileMode.OtherRead) != 0 ? "others" : "its group")} " +
                $"(mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}); restrict it with chmod 600");
        }
    }
}
