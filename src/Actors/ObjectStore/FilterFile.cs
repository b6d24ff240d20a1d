namespace OpenStack.Actors.ObjectStore;

/// <summary>rclone's filter files (<c>--filter-from</c>): one rule a line, <c>+ pattern</c> to include, <c>- pattern</c>
/// to exclude, <c>!</c> to drop the rules before it; lines starting with <c>#</c> or <c>;</c> are comments, blank
/// lines are skipped, and spaces around a line are trimmed (a comment after a rule is part of its pattern, as in rclone).</summary>
public static class FilterFile
{
    /// <summary>Parses the text of a filter file, checking every pattern.</summary>
    /// <param name="text">The file's content (reading it is the caller's: this is pure).</param>
    /// <param name="source">What to call the file in errors, e.g. its path.</param>
    /// <returns>The rules in file order, <see cref="FilterRule.Clear"/> where a line is <c>!</c>.</returns>
    /// <exception cref="InvalidFilterException">A line is neither a rule nor a comment, or its pattern is not valid; the
    /// message names the file, the line number and the line.</exception>
    public static IReadOnlyList<FilterRule> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        var rules = new List<FilterRule>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            try
            {
                rules.Add(ParseRule(line));
            }
            catch (InvalidFilterException e)
            {
                throw new InvalidFilterException(source, number, line, e.Reason);
            }
        }
        return rules;
    }

    /// <summary>Parses one rule (rclone's <c>--filter</c>): <c>+ pattern</c>, <c>- pattern</c> or <c>!</c>, checking the pattern.</summary>
    /// <exception cref="InvalidFilterException">It is not a rule, or its pattern is not valid.</exception>
    public static FilterRule ParseRule(string rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule == "!") return FilterRule.Clear;
        var action = rule.StartsWith("+ ", StringComparison.Ordinal) ? FilterAction.Include
            : rule.StartsWith("- ", StringComparison.Ordinal) ? FilterAction.Exclude
            : throw new InvalidFilterException(rule,
                "not a rule: a rule is '+ pattern' (include), '- pattern' (exclude) or '!' (clear the rules before it); a file line may also be a comment starting with # or ;");
        var pattern = rule[2..];
        TransferFilter.Validate(pattern);
        return new FilterRule(action, pattern);
    }
}
