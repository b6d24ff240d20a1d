namespace OpenStack.Actors.ObjectStore;

/// <summary>What a filter rule does with the paths it matches.</summary>
public enum FilterAction
{
    /// <summary>The path is transferred (<c>+ pattern</c>, <c>--include</c>).</summary>
    Include,

    /// <summary>The path is left out (<c>- pattern</c>, <c>--exclude</c>).</summary>
    Exclude,

    /// <summary>Every rule before this one is dropped (<c>!</c> in a filter file); it has no pattern.</summary>
    Clear,
}

/// <summary>One rule of a filter: an rclone pattern and what a match does.</summary>
/// <param name="Action">Include, exclude, or clear the rules before it.</param>
/// <param name="Pattern">The rclone glob pattern (empty for <see cref="FilterAction.Clear"/>).</param>
public sealed record FilterRule(FilterAction Action, string Pattern)
{
    /// <summary>The <c>!</c> rule.</summary>
    public static FilterRule Clear { get; } = new(FilterAction.Clear, "");

    /// <inheritdoc />
    public override string ToString() => Action switch
    {
        FilterAction.Include => "+ " + Pattern,
        FilterAction.Exclude => "- " + Pattern,
        _ => "!",
    };
}

/// <summary>What a <see cref="TransferFilter"/> is made of, in rclone's terms (its <c>--include</c>, <c>--exclude</c>,
/// <c>--filter</c>/<c>--filter-from</c>, <c>--min-size</c>/<c>--max-size</c> and <c>--max-age</c>/<c>--min-age</c>).</summary>
public sealed record TransferFilterOptions
{
    /// <summary>Include patterns. When there is one, everything the rules do not include is excluded (an implicit
    /// <c>- **</c> after all the rules).</summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>Exclude patterns, after the includes (rclone's order, whatever the order on a command line).</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>Rules in their order (rclone's <c>--filter</c> and <c>--filter-from</c>), after the includes and excludes;
    /// a <see cref="FilterRule.Clear"/> drops every rule before it, includes and excludes too.</summary>
    public IReadOnlyList<FilterRule> Rules { get; init; } = [];

    /// <summary>Only files and objects of at least this many bytes.</summary>
    public long? MinSize { get; init; }

    /// <summary>Only files and objects of at most this many bytes.</summary>
    public long? MaxSize { get; init; }

    /// <summary>Only those modified at or after this instant (rclone's <c>--max-age</c>, as now minus the age).</summary>
    public DateTimeOffset? ModifiedAfter { get; init; }

    /// <summary>Only those modified at or before this instant (rclone's <c>--min-age</c>).</summary>
    public DateTimeOffset? ModifiedBefore { get; init; }

    /// <summary>True when there are both include and exclude patterns, which rclone warns about: the includes are
    /// applied first, whatever the order they were given in, so ordered <see cref="Rules"/> say what is meant.</summary>
    public bool MixesIncludeAndExclude => Include.Count > 0 && Exclude.Count > 0;
}

/// <summary>
/// Which files (of an upload) or objects (of a download or delete) a transfer takes, by rclone's filtering rules: every
/// rule is an rclone glob (<c>*</c> within a name, <c>**</c> across <c>/</c>, <c>?</c>, <c>[a-z]</c>, <c>{jpg,png}</c>);
/// a pattern starting with <c>/</c> is anchored at the root of the transfer, any other matches the end of the path from
/// a <c>/</c>; the first rule that matches decides, and a path no rule matches is included. A pattern ending in
/// <c>/</c> is a directory: excluding it excludes everything below it, including it alone selects no object.
/// Pure and immutable: safe to share between threads and runs.
/// </summary>
/// <remarks>The path matched is the file's path below the uploaded directory, or the object's name after the prefix of a
/// download or delete, with <c>/</c> separators and no leading <c>/</c>: the same path on both sides of a transfer.</remarks>
public sealed class TransferFilter
{
    private readonly (FilterAction Action, GlobPattern Pattern)[] _rules;
    private readonly TransferFilterOptions _options;

    private TransferFilter(TransferFilterOptions options, (FilterAction, GlobPattern)[] rules)
    {
        _options = options;
        _rules = rules;
    }

    /// <summary>The filter that takes everything.</summary>
    public static TransferFilter Everything { get; } = new(new TransferFilterOptions(), []);

    /// <summary>True when this filter takes everything (no rule, no size or age limit).</summary>
    public bool IsEverything => _rules.Length == 0 && _options is { MinSize: null, MaxSize: null, ModifiedAfter: null, ModifiedBefore: null };

    /// <summary>The rules in the order they are tried, as rclone builds them: dropped by <c>!</c>, a directory
    /// exclude <c>dir/</c> as <c>dir/**</c>, directory includes left out (they match no object), the implicit
    /// <c>- /**</c> of include patterns last.</summary>
    public IReadOnlyList<FilterRule> Rules => _rules.Select(r => new FilterRule(r.Action, r.Pattern.Text)).ToArray();

    /// <summary>Builds a filter, checking every pattern.</summary>
    /// <exception cref="InvalidFilterException">A pattern is not valid, or the limits leave nothing (minimum size above the
    /// maximum, modified-after later than modified-before).</exception>
    public static TransferFilter Create(TransferFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MinSize is { } min && options.MaxSize is { } max && min > max)
            throw new InvalidFilterException($"the minimum size ({min} bytes) is larger than the maximum ({max} bytes): nothing would match");
        if (options.ModifiedAfter is { } after && options.ModifiedBefore is { } before && after > before)
            throw new InvalidFilterException($"modified after {after:u} and before {before:u} leaves no time: nothing would match");
        var rules = new List<(FilterAction, GlobPattern)>();
        foreach (var p in options.Include) Add(rules, FilterAction.Include, p);
        foreach (var p in options.Exclude) Add(rules, FilterAction.Exclude, p);
        foreach (var r in options.Rules)
        {
            ArgumentNullException.ThrowIfNull(r);
            if (r.Action == FilterAction.Clear) rules.Clear();
            else Add(rules, r.Action, r.Pattern);
        }
        if (options.Include.Count > 0) Add(rules, FilterAction.Exclude, "/**");
        return new TransferFilter(options, rules.ToArray());
    }

    /// <summary>Checks one pattern as <see cref="Create"/> would.</summary>
    /// <exception cref="InvalidFilterException">It is not valid; the message names it and says why.</exception>
    public static void Validate(string pattern) => Compile(pattern, pattern);

    /// <summary>True when the rules take <paramref name="path"/> (sizes and times aside).</summary>
    public bool IncludesPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        foreach (var (action, pattern) in _rules)
            if (pattern.Matches(path)) return action == FilterAction.Include;
        return true;
    }

    /// <summary>True when the filter takes a file or object of this path, size and modification time (a time that is
    /// not known does not pass an age limit).</summary>
    public bool Includes(string path, long size, DateTimeOffset? modified) => WithinLimits(size, modified) && IncludesPath(path);

    /// <summary>True when the filter takes a listed object of a transfer under <paramref name="prefix"/>: its name after
    /// the prefix is the path matched (a pseudo-directory marker <c>dir/</c> keeps its <c>/</c>).</summary>
    public bool IncludesObject(ObjectEntry entry, string? prefix)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var name = entry.Name;
        if (!string.IsNullOrEmpty(prefix) && name.StartsWith(prefix, StringComparison.Ordinal))
        {
            name = name[prefix.Length..];
            // A prefix without its '/' names the pseudo-directory all the same.
            if (!prefix.EndsWith('/') && name.StartsWith('/')) name = name[1..];
        }
        return Includes(name, entry.Bytes, entry.LastModified);
    }

    /// <summary>False only when no path below <paramref name="directory"/> (a relative path, no trailing <c>/</c>) can be
    /// included, so a walk can skip it without changing what it finds. Every rule is a rule on paths: a directory is
    /// skipped only when an exclude rule covers all of it before any include rule could reach into it.</summary>
    public bool MayIncludeBelow(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        foreach (var (action, pattern) in _rules)
        {
            if (action == FilterAction.Include && pattern.MayMatchBelow(directory)) return true;
            if (action == FilterAction.Exclude && pattern.MatchesAllBelow(directory)) return false;
        }
        return true;
    }

    internal bool WithinLimits(long size, DateTimeOffset? modified)
    {
        var o = _options;
        if (o.MinSize is { } min && size < min) return false;
        if (o.MaxSize is { } max && size > max) return false;
        if (o.ModifiedAfter is null && o.ModifiedBefore is null) return true;
        return modified is { } m && !(m < o.ModifiedAfter) && !(m > o.ModifiedBefore);
    }

    private static void Add(List<(FilterAction, GlobPattern)> rules, FilterAction action, string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var directory = pattern.EndsWith('/');
        // rclone: excluding "dir/" excludes "dir/**"; including "dir/" only steers its directory walk and matches no file
        // (unless it holds a "**", which makes it match names that end in '/').
        var compiled = Compile(directory && action == FilterAction.Exclude ? pattern + "**" : pattern, pattern);
        if (directory && action == FilterAction.Include && !pattern.Contains("**", StringComparison.Ordinal)) return;
        rules.Add((action, compiled));
    }

    private static GlobPattern Compile(string pattern, string written)
    {
        try
        {
            return GlobPattern.Parse(pattern);
        }
        catch (FormatException e)
        {
            throw new InvalidFilterException(written, e.Message);
        }
    }
}
