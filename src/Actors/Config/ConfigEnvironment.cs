using System.Collections;

namespace OpenStack.Actors.Config;

/// <summary>The environment as configuration reads it: variables (a dictionary, so tests pass their own), the home
/// directory, and <c>~</c> in paths.</summary>
internal static class ConfigEnvironment
{
    internal static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    internal static string? Lookup(IReadOnlyDictionary<string, string?> env, string name) => env.TryGetValue(name, out var v) ? v : null;

    internal static string? Home(IReadOnlyDictionary<string, string?> env) =>
        NonEmpty(Lookup(env, "HOME")) ?? NonEmpty(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    internal static string? ExpandHome(string? path, IReadOnlyDictionary<string, string?> env)
    {
        if (NonEmpty(path) is not { } p) return null;
        if (p == "~" || p.StartsWith("~/", StringComparison.Ordinal) || p.StartsWith("~\\", StringComparison.Ordinal))
            return Home(env) is { } home ? home + p[1..] : p;
        return p;
    }

    internal static Dictionary<string, string?> ProcessEnvironment()
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
            if (e.Key is string k) result[k] = e.Value as string;
        return result;
    }
}
