using System.Text;
using System.Text.RegularExpressions;

namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// One rclone filter pattern, translated to a .NET regular expression the way rclone translates it to a Go one
/// (fs/filter/glob.go): <c>*</c> is <c>[^/]*</c>, <c>**</c> is <c>.*</c>, <c>?</c> is <c>[^/]</c>, <c>[...]</c> is a
/// character class, <c>{a,b}</c> an alternation; a leading <c>/</c> anchors the pattern at the root, otherwise it matches
/// the end of the path from a <c>/</c> boundary. Neither glob package fits rclone's syntax: DotNet.Glob treats <c>\</c>
/// as a path separator (so it cannot escape, and a <c>*</c> stops at a <c>\</c> in a name), allows <c>**</c> only as a
/// whole segment, negates with <c>[!..]</c> rather than <c>[^..]</c>, reads one range per class and has no braces;
/// Microsoft.Extensions.FileSystemGlobbing has only <c>*</c> and <c>**</c>. So the matching is .NET's regex engine,
/// non-backtracking (linear in the name, as rclone's RE2 is), and this layer is the translation.
/// </summary>
internal sealed class GlobPattern
{
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | RegexOptions.ExplicitCapture;

    // Go's Perl and ASCII classes are ASCII-only; .NET's \d and \w also take other scripts' digits and letters.
    private static readonly Dictionary<char, string> PerlClasses = new()
    {
        ['d'] = "0-9", ['w'] = "0-9A-Za-z_", ['s'] = @"\t\n\f\r ",
    };

    private static readonly Dictionary<string, string> PosixClasses = new(StringComparer.Ordinal)
    {
        ["alnum"] = "0-9A-Za-z", ["alpha"] = "A-Za-z", ["ascii"] = @"\x00-\x7F", ["blank"] = @"\t ", ["cntrl"] = @"\x00-\x1F\x7F",
        ["digit"] = "0-9", ["graph"] = @"!-~", ["lower"] = "a-z", ["print"] = @" -~", ["punct"] = @"!-/:-@\[-`{-~",
        ["space"] = @"\t\n\v\f\r ", ["upper"] = "A-Z", ["word"] = "0-9A-Za-z_", ["xdigit"] = "0-9A-Fa-f",
    };

    private readonly Regex _regex;
    private readonly Regex[]? _directoryPrefixes;
    private readonly Regex? _coversBelow;

    private GlobPattern(string text, Regex regex, Regex[]? directoryPrefixes, Regex? coversBelow)
    {
        Text = text;
        _regex = regex;
        _directoryPrefixes = directoryPrefixes;
        _coversBelow = coversBelow;
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>True when the path (relative to the root of the transfer, no leading <c>/</c>) matches.</summary>
    public bool Matches(string path) => _regex.IsMatch(path);

    /// <summary>False only when no path below <paramref name="directory"/> can match (so a walk may skip it).</summary>
    public bool MayMatchBelow(string directory) =>
        _directoryPrefixes is null || _directoryPrefixes.Any(p => p.IsMatch(directory + "/"));

    /// <summary>True only when every path below <paramref name="directory"/> matches.</summary>
    public bool MatchesAllBelow(string directory) => _coversBelow?.IsMatch(directory + "/") ?? false;

    /// <summary>Translates a pattern.</summary>
    /// <exception cref="FormatException">The pattern is not valid; the message says why, in words.</exception>
    public static GlobPattern Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var rooted = pattern.StartsWith('/');
        var anchor = rooted ? "^" : "(^|/)";
        var body = new StringBuilder();
        var prefixes = new List<string>();
        var hard = false;             // a '/' or '**' inside braces, or a class that matches '/': segments cannot be told apart
        var lastStars = -1;           // where the trailing top-level '**' starts in body, if the pattern ends with one
        var depth = 0;
        var i = rooted ? 1 : 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            lastStars = -1;
            switch (c)
            {
                case '*':
                    var stars = 1;
                    while (i + stars < pattern.Length && pattern[i + stars] == '*') stars++;
                    if (stars > 2) throw new FormatException("too many stars in a row (* matches within a name, ** across '/')");
                    if (stars == 2)
                    {
                        if (depth > 0) hard = true;
                        else prefixes.Add(body + ".*");
                        lastStars = depth == 0 ? body.Length : -1;
                        body.Append(".*");
                    }
                    else body.Append("[^/]*");
                    i += stars;
                    continue;
                case '?':
                    body.Append("[^/]");
                    break;
                case '/':
                    if (depth > 0) hard = true;
                    else prefixes.Add(body.ToString());
                    body.Append('/');
                    break;
                case '[':
                    i = ReadClass(pattern, i, body, ref hard);
                    continue;
                case ']':
                    throw new FormatException("']' without a matching '['");
                case '{':
                    if (i + 1 < pattern.Length && pattern[i + 1] == '{')
                        throw new FormatException("regular expressions ({{...}}) are not supported; use glob patterns");
                    depth++;
                    body.Append("(?:");
                    break;
                case '}':
                    if (depth == 0) throw new FormatException("'}' without a matching '{'");
                    depth--;
                    body.Append(')');
                    break;
                case ',' when depth > 0:
                    body.Append('|');
                    break;
                case '\\':
                    if (i + 1 >= pattern.Length) throw new FormatException("the pattern ends with '\\', which escapes nothing");
                    var escaped = Escape(pattern[i + 1], inClass: false);
                    if (MatchesSlash(escaped)) hard = true;
                    body.Append(escaped);
                    i += 2;
                    continue;
                default:
                    body.Append(Regex.Escape(c.ToString()));
                    break;
            }
            i++;
        }
        if (depth > 0) throw new FormatException("'{' without a matching '}'");

        var regex = Compile(anchor + body + @"\z");
        // A walk may skip a directory that no rooted pattern reaches: it must equal one of the pattern's leading segment
        // runs (up to a '/' or a '**'). An unrooted pattern can match below any directory.
        var directoryPrefixes = rooted && !hard ? prefixes.Select(p => Compile("^" + p + @"/\z")).ToArray() : null;
        // Every path below a directory matches a pattern ending in '**' when what comes before the '**' matches a
        // leading part of the directory's path; every path matches a lone '*' (its last segment).
        var coversBelow = lastStars >= 0 ? Compile(anchor + body.ToString(0, lastStars))
            : pattern == "*" ? Compile("") : null;
        return new GlobPattern(pattern, regex, directoryPrefixes, coversBelow);
    }

    private static int ReadClass(string pattern, int start, StringBuilder body, ref bool hard)
    {
        var cls = new StringBuilder("[");
        var i = start + 1;
        if (i < pattern.Length && pattern[i] == '^')
        {
            cls.Append('^');
            i++;
        }
        var items = 0;
        while (true)
        {
            if (i >= pattern.Length) throw new FormatException("'[' without a matching ']'");
            var c = pattern[i];
            if (c == ']') break;
            if (c == '\\')
            {
                if (i + 1 >= pattern.Length) throw new FormatException("'[' without a matching ']'");
                cls.Append(Escape(pattern[i + 1], inClass: true));
                i += 2;
            }
            else if (c == '[' && i + 1 < pattern.Length && pattern[i + 1] == ':')
            {
                var end = pattern.IndexOf(":]", i + 2, StringComparison.Ordinal);
                var name = end < 0 ? "" : pattern[(i + 2)..end];
                if (!PosixClasses.TryGetValue(name, out var posix))
                    throw new FormatException($"unknown character class '[:{name}:]' (known: {string.Join(", ", PosixClasses.Keys.Select(k => $"[:{k}:]"))})");
                cls.Append(posix);
                i = end + 2;
            }
            else
            {
                cls.Append(c is '[' or '^' ? "\\" + c : c.ToString());
                i++;
            }
            items++;
        }
        if (items == 0) throw new FormatException("empty character class '[]'");
        cls.Append(']');
        try
        {
            if (MatchesSlash(cls.ToString())) hard = true;
        }
        catch (RegexParseException e)
        {
            throw new FormatException($"the character class '{pattern[start..(i + 1)]}' is not valid ({Words(e.Error)})");
        }
        body.Append(cls);
        return i + 1;
    }

    private static string Escape(char c, bool inClass)
    {
        if (PerlClasses.TryGetValue(char.ToLowerInvariant(c), out var set))
            return (inClass, char.IsUpper(c)) switch
            {
                (false, false) => "[" + set + "]",
                (false, true) => "[^" + set + "]",
                (true, false) => set,
                _ => "\\" + c,   // a negated class inside a class: .NET's, which is also negated for other scripts' digits and letters
            };
        if (char.IsAsciiLetterOrDigit(c))
            throw new FormatException($"'\\{c}' is not an escape rclone patterns know (\\ before a symbol matches it; \\d, \\w, \\s and \\D, \\W, \\S are classes)");
        return "\\" + c;
    }

    private static bool MatchesSlash(string piece) => Regex.IsMatch("/", "^" + piece + @"\z", RegexOptions.CultureInvariant);

    private static Regex Compile(string regex)
    {
        try
        {
            return new Regex(regex, Options);
        }
        catch (RegexParseException e)
        {
            throw new FormatException($"it is not a valid pattern ({Words(e.Error)})");
        }
    }

    private static string Words(RegexParseError error) =>
        Regex.Replace(error.ToString(), "(?<=[a-z])(?=[A-Z])", " ").ToLowerInvariant();
}
