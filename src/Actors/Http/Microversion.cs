using System.Globalization;

namespace OpenStack.Actors.Http;

/// <summary>
/// An API microversion <c>X.Y</c> (Nova <c>2.95</c>, Placement <c>1.39</c>), compared numerically: <c>1.10</c> is above
/// <c>1.9</c>, which a string comparison gets wrong.
/// </summary>
/// <param name="Major">The part before the dot.</param>
/// <param name="Minor">The part after the dot.</param>
public sealed record Microversion(int Major, int Minor) : IComparable<Microversion>
{
    /// <summary>The value a caller gives for "the newest the service offers".</summary>
    public const string Latest = "latest";

    /// <summary>Parses <c>X.Y</c> (an optional leading <c>v</c>, a bare <c>X</c> meaning <c>X.0</c>); null for anything else.</summary>
    public static Microversion? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var s = text.AsSpan().Trim();
        if (s.Length > 0 && s[0] is 'v' or 'V') s = s[1..];
        var dot = s.IndexOf('.');
        var major = dot < 0 ? s : s[..dot];
        var minor = dot < 0 ? "0" : s[(dot + 1)..];
        return int.TryParse(major, NumberStyles.None, CultureInfo.InvariantCulture, out var x)
               && int.TryParse(minor, NumberStyles.None, CultureInfo.InvariantCulture, out var y)
            ? new Microversion(x, y)
            : null;
    }

    /// <summary>Parses <c>X.Y</c>.</summary>
    /// <exception cref="InvalidRequestException">Not a version.</exception>
    public static Microversion Parse(string text) =>
        TryParse(text) ?? throw new InvalidRequestException($"'{text}' is not a microversion (expected X.Y, e.g. 1.30, or '{Latest}')");

    /// <summary>True for <c>latest</c> or <c>X.Y</c>: what a caller may request.</summary>
    public static bool IsValidRequest(string? text) =>
        string.Equals(text, Latest, StringComparison.OrdinalIgnoreCase) || (text is not null && text.Contains('.') && TryParse(text) is not null);

    /// <inheritdoc />
    public int CompareTo(Microversion? other) =>
        other is null ? 1 : Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    /// <summary>Ordering.</summary>
    public static bool operator <(Microversion a, Microversion b) => a.CompareTo(b) < 0;

    /// <summary>Ordering.</summary>
    public static bool operator >(Microversion a, Microversion b) => a.CompareTo(b) > 0;

    /// <summary>Ordering.</summary>
    public static bool operator <=(Microversion a, Microversion b) => a.CompareTo(b) <= 0;

    /// <summary>Ordering.</summary>
    public static bool operator >=(Microversion a, Microversion b) => a.CompareTo(b) >= 0;

    /// <summary><c>X.Y</c>, as sent in the headers.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}");
}
