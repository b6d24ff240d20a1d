using System.Globalization;

namespace OpenStack.Actors.ObjectStore;

/// <summary>A file's modification time as Swift clients store it in <c>X-Object-Meta-Mtime</c>: seconds since the Unix
/// epoch with a fraction (`swift upload` writes a float's seconds rounded to microseconds, rclone nanoseconds, we
/// truncate to microseconds).</summary>
internal static class ObjectMtime
{
    /// <summary>The key of the header in <see cref="ObjectMetadata.Metadata"/> (its prefix removed, lower case).</summary>
    internal const string MetadataKey = "mtime";

    // DateTime ends at 9999-12-31; a larger value is not a time this side can hold.
    private const decimal LastSecond = 253_402_300_799m;

    /// <summary>The header's value for <paramref name="utc"/>.</summary>
    internal static string Format(DateTime utc)
    {
        var ticks = utc.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks;
        return (ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture) + "."
            + (ticks % TimeSpan.TicksPerSecond / 10).ToString("D6", CultureInfo.InvariantCulture);
    }

    /// <summary>The time a stored value stands for, to the tick (100 ns); false for anything that is not a time after the
    /// epoch.</summary>
    internal static bool TryParse(string stored, out DateTime utc)
    {
        utc = default;
        if (!decimal.TryParse(stored, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) || seconds > LastSecond)
            return false;
        utc = DateTime.UnixEpoch.AddTicks((long)decimal.Round(seconds * TimeSpan.TicksPerSecond));
        return true;
    }

    /// <summary>True when a stored value is <paramref name="utc"/> within a microsecond (the coarsest of the writers).</summary>
    internal static bool Same(string stored, DateTime utc) =>
        TryParse(stored, out var t) && Math.Abs((t - utc.ToUniversalTime()).Ticks) <= TimeSpan.TicksPerMicrosecond;
}
