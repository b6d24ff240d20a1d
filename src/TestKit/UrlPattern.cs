using System.Text.RegularExpressions;

namespace OpenStack.Actors.TestKit;

/// <summary>
/// Matches a request url: exact, prefix, glob (<c>*</c> matches any run of characters, <c>/</c> included) or a regular
/// expression. A plain string converts to <see cref="Exact"/>, or to <see cref="Glob"/> when it contains <c>*</c>
/// (<c>?</c> stays literal: it starts a query string).
/// </summary>
/// <remarks>The fakes try each pattern against several forms of the url: the fake session against the url as sent
/// (e.g. <c>containers</c> also as <c>/containers</c>) and the absolute url it resolves to; the fake cloud handler
/// against the absolute url and its path and query.</remarks>
public sealed class UrlPattern
{
    private readonly Regex? _regex;

    private UrlPattern(string kind, string text, Regex? regex)
    {
        Kind = kind;
        Text = text;
        _regex = regex;
    }

    /// <summary>exact, prefix, glob, regex or any.</summary>
    public string Kind { get; }

    /// <summary>The pattern as given.</summary>
    public string Text { get; }

    /// <summary>Any url.</summary>
    public static UrlPattern Any { get; } = new("any", "*", null);

    /// <summary>The url equals <paramref name="url"/> (ordinal).</summary>
    public static UrlPattern Exact(string url) => new("exact", url ?? throw new ArgumentNullException(nameof(url)), null);

    /// <summary>The url starts with <paramref name="prefix"/> (ordinal).</summary>
    public static UrlPattern Prefix(string prefix) => new("prefix", prefix ?? throw new ArgumentNullException(nameof(prefix)), null);

    /// <summary>The whole url matches <paramref name="glob"/>: <c>*</c> is any run of characters; everything else is literal.</summary>
    public static UrlPattern Glob(string glob)
    {
        ArgumentNullException.ThrowIfNull(glob);
        var regex = "^" + string.Join(".*", glob.Split('*').Select(System.Text.RegularExpressions.Regex.Escape)) + "$";
        return new UrlPattern("glob", glob, new System.Text.RegularExpressions.Regex(regex, RegexOptions.CultureInvariant | RegexOptions.Singleline));
    }

    /// <summary>The url contains a match of <paramref name="regex"/> (anchor it with <c>^…$</c> for a whole match).</summary>
    public static UrlPattern Regex(Regex regex) => new("regex", regex.ToString(), regex);

    /// <summary>The url contains a match of the regular expression <paramref name="pattern"/>.</summary>
    public static UrlPattern Regex(string pattern) => Regex(new System.Text.RegularExpressions.Regex(pattern, RegexOptions.CultureInvariant));

    /// <summary>A string: <see cref="Glob"/> when it contains <c>*</c>, else <see cref="Exact"/>.</summary>
    public static implicit operator UrlPattern(string url) =>
        (url ?? throw new ArgumentNullException(nameof(url))).Contains('*') ? Glob(url) : Exact(url);

    /// <summary>A regular expression: <see cref="Regex(System.Text.RegularExpressions.Regex)"/>.</summary>
    public static implicit operator UrlPattern(Regex regex) => Regex(regex);

    /// <summary>True when <paramref name="url"/> matches.</summary>
    public bool IsMatch(string url) => Kind switch
    {
        "any" => true,
        "exact" => string.Equals(url, Text, StringComparison.Ordinal),
        "prefix" => url.StartsWith(Text, StringComparison.Ordinal),
        _ => _regex!.IsMatch(url),
    };

    /// <summary>True when any of the forms matches.</summary>
    internal bool IsMatchAny(IEnumerable<string?> forms)
    {
        foreach (var form in forms)
            if (form is not null && IsMatch(form)) return true;
        return false;
    }

    /// <summary>For messages: <c>glob '/containers*'</c>.</summary>
    public override string ToString() => Kind == "any" ? "any url" : $"{Kind} '{Text}'";
}
