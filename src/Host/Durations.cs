using System.Globalization;

namespace OpenStack.Actors.Host;

/// <summary>Durations as command lines write them: a number and a unit, or several in a row (<c>2h30m</c>); a plain
/// number is seconds.</summary>
public static class Durations
{
    /// <summary>Timeouts and budgets: ms, s, m or min, h; any case.</summary>
    public static IReadOnlyList<(string Suffix, double Seconds)> Short { get; } = [("ms", 0.001), ("min", 60), ("s", 1), ("m", 60), ("h", 3600)];

    /// <summary>rclone's ages: ms, s, m, h, d, w, M (30 days), y (365 days); case matters, as <c>m</c> is a minute and <c>M</c> a month.</summary>
    public static IReadOnlyList<(string Suffix, double Seconds)> Ages { get; } =
        [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 7 * 86_400), ("M", 30 * 86_400), ("y", 365 * 86_400)];

    /// <summary>Parses <paramref name="text"/> with these units; null when it is not such a duration.</summary>
    public static TimeSpan? Parse(string text, IReadOnlyList<(string Suffix, double Seconds)> units, StringComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(units);
        var t = text.Trim();
        if (t.Length == 0) return null;
        if (Number(t) is { } plain) return TimeSpan.FromSeconds(plain);
        double seconds = 0;
        var i = 0;
        while (i < t.Length)
        {
            var start = i;
            while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.')) i++;
            if (Number(t[start..i]) is not { } n) return null;
            while (i < t.Length && t[i] == ' ') i++;
            var at = i;
            var unit = units.Where(u => string.Compare(t, at, u.Suffix, 0, u.Suffix.Length, comparison) == 0)
                .OrderByDescending(u => u.Suffix.Length).FirstOrDefault();
            if (unit.Suffix is null) return null;
            seconds += n * unit.Seconds;
            i += unit.Suffix.Length;
        }
        return TimeSpan.FromSeconds(seconds);
    }

    private static double? Number(string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) ? n : null;
}
