using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using OpenStack.Actors.ObjectStore;

namespace OpenStack.Actors.Host;

/// <summary>The filter options every transfer command takes, with rclone's names and meanings, and the
/// <see cref="TransferFilter"/> they make.</summary>
public sealed class FilterOptions
{
    private static readonly string[] DateFormats =
        ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd"];

    /// <summary>Creates the options.</summary>
    public FilterOptions()
    {
        Include = Patterns("--include", "Only paths matching this rclone pattern (repeatable; everything else is left out)");
        Exclude = Patterns("--exclude", "Leave out paths matching this rclone pattern (repeatable)");
        Filter = Patterns("--filter", "A rule, '+ pattern' to include or '- pattern' to exclude, tried in order (repeatable)");
        FilterFrom = Patterns("--filter-from", "Read rules from this rclone filter file: '+ pattern', '- pattern', '!' clears, # comments (repeatable)");
        MinSize = Cli.SizeOption("--min-size", "Only files and objects of at least this size", allowZero: true);
        MaxSize = Cli.SizeOption("--max-size", "Only files and objects of at most this size", allowZero: true);
        MaxAge = AgeOption("--max-age", "Only files and objects modified at most this long ago, or since this date");
        MinAge = AgeOption("--min-age", "Only files and objects modified at least this long ago, or before this date");
    }

    /// <summary>--include.</summary>
    public Option<string[]> Include { get; }

    /// <summary>--exclude.</summary>
    public Option<string[]> Exclude { get; }

    /// <summary>--filter.</summary>
    public Option<string[]> Filter { get; }

    /// <summary>--filter-from.</summary>
    public Option<string[]> FilterFrom { get; }

    /// <summary>--min-size.</summary>
    public Option<long?> MinSize { get; }

    /// <summary>--max-size.</summary>
    public Option<long?> MaxSize { get; }

    /// <summary>--max-age, as the instant it stands for (now minus the age, or the date).</summary>
    public Option<DateTimeOffset?> MaxAge { get; }

    /// <summary>--min-age, as the instant it stands for.</summary>
    public Option<DateTimeOffset?> MinAge { get; }

    private IEnumerable<Option> All => [Include, Exclude, Filter, FilterFrom, MinSize, MaxSize, MaxAge, MinAge];

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        foreach (var o in All) command.Options.Add(o);
    }

    /// <summary>True when any filter option was given.</summary>
    public bool AnyGiven(CommandResult result) => All.Any(o => result.GetResult(o) is { Implicit: false });

    /// <summary>The filter the options make, or null when none was given (everything is taken).</summary>
    /// <exception cref="CliUsageException">A pattern or rule is not valid, a filter file cannot be read, or the limits
    /// leave nothing; the message names the pattern, file and line.</exception>
    public TransferFilter? Build(ParseResult parse, CliConsole console)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(console);
        if (parse.GetValue(MinSize) is { } min && parse.GetValue(MaxSize) is { } max && min > max)
            throw new CliUsageException($"--min-size ({ByteSize.Format(min)}) is larger than --max-size ({ByteSize.Format(max)}): nothing would match");
        if (parse.GetValue(MaxAge) is { } after && parse.GetValue(MinAge) is { } before && after > before)
            throw new CliUsageException("--min-age is larger than --max-age: nothing would match");
        try
        {
            var rules = new List<FilterRule>();
            rules.AddRange((parse.GetValue(Filter) ?? []).Select(FilterFile.ParseRule));
            foreach (var path in parse.GetValue(FilterFrom) ?? []) rules.AddRange(FilterFile.Parse(ReadFilterFile(path), path));
            var options = new TransferFilterOptions
            {
                Include = parse.GetValue(Include) ?? [],
                Exclude = parse.GetValue(Exclude) ?? [],
                Rules = rules,
                MinSize = parse.GetValue(MinSize),
                MaxSize = parse.GetValue(MaxSize),
                ModifiedAfter = parse.GetValue(MaxAge),
                ModifiedBefore = parse.GetValue(MinAge),
            };
            if (options.MixesIncludeAndExclude)
                console.Warn("--include and --exclude together: every --include is tried before every --exclude, whatever their order; --filter '+ ...' / '- ...' rules keep the order you give");
            var filter = TransferFilter.Create(options);
            return filter.IsEverything ? null : filter;
        }
        catch (InvalidFilterException e)
        {
            throw new CliUsageException(e.Message);
        }
    }

    /// <summary>The instant an age stands for: <paramref name="now"/> less a duration (<c>10d</c>, <c>2h30m</c>, <c>1w</c>,
    /// <c>1.5y</c>; units ms s m h d w M y, a plain number is seconds) or a date and time (<c>2024-05-01</c>,
    /// <c>2024-05-01 12:00:00</c>, <c>2024-05-01T12:00:00</c> in local time, or RFC 3339); null when it is neither.</summary>
    public static DateTimeOffset? ParseAge(string text, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Durations.Parse(text, Durations.Ages, StringComparison.Ordinal) is { } age) return now - age;
        return DateTimeOffset.TryParseExact(text.Trim(), DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var date)
            ? date : null;
    }

    private static Option<DateTimeOffset?> AgeOption(string name, string description) => new(name)
    {
        Description = description + " (10d, 2h30m, 1w, 1M; or 2024-05-01, 2024-05-01 12:00:00, RFC 3339)",
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 0 ? "" : r.Tokens[0].Value;
            if (ParseAge(text, DateTimeOffset.Now) is { } instant) return instant;
            r.AddError($"{name}: '{text}' is neither an age (10d, 2h30m, 1w, 1M, 1y) nor a date (2024-05-01, 2024-05-01 12:00:00, 2024-05-01T12:00:00Z)");
            return null;
        },
    };

    private static Option<string[]> Patterns(string name, string description) => new(name)
    {
        Description = description,
        AllowMultipleArgumentsPerToken = false,
    };

    private static string ReadFilterFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CliUsageException($"--filter-from: cannot read '{path}': {e.Message}");
        }
    }
}
