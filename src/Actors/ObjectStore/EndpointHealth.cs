using Akka.Actor;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.ObjectStore;

/// <summary>Where a batch stands with its endpoint.</summary>
public enum EndpointHealth
{
    /// <summary>Answering: files are admitted (gradually, just after an outage).</summary>
    Up,

    /// <summary>A transient failure was seen: no new files until the probe sent now answers.</summary>
    Probing,

    /// <summary>Probes fail: the batch is paused and probes again after a backoff.</summary>
    Down,

    /// <summary>Down for longer than the outage budget: the run admits nothing more and ends.</summary>
    GaveUp,
}

/// <summary>One pause of a batch: the endpoint stopped answering at <paramref name="Start"/> for <paramref name="Duration"/>.</summary>
/// <param name="Start">The first transient failure.</param>
/// <param name="Duration">Until a probe succeeded (or the run gave up).</param>
/// <param name="Cause">The last failure seen, in words.</param>
public sealed record Outage(DateTimeOffset Start, TimeSpan Duration, string Cause);

/// <summary>A batch's view of its endpoint at one moment (for progress displays).</summary>
/// <param name="Health">Up, probing, down or given up.</param>
/// <param name="Endpoint">The endpoint the batch talks to (scheme://host:port), when known.</param>
/// <param name="DownSince">The first failure of the current outage.</param>
/// <param name="NextProbe">When the next probe goes, while down.</param>
/// <param name="Cause">The last failure seen, in words.</param>
public sealed record EndpointStatus(EndpointHealth Health, string? Endpoint, DateTimeOffset? DownSince, DateTimeOffset? NextProbe, string? Cause);

/// <summary>The endpoint was down for longer than the batch's outage budget: the run stopped admitting files.</summary>
public sealed class OutageBudgetExceededException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public OutageBudgetExceededException(string? endpoint, DateTimeOffset downSince, TimeSpan budget, string cause)
        : base($"{endpoint ?? "the endpoint"} down since {downSince.ToUniversalTime():HH:mm:ss} UTC, longer than the outage budget of {Format(budget)} (last error: {cause})")
    {
        DownSince = downSince;
        Budget = budget;
    }

    /// <summary>The first failure of the outage.</summary>
    public DateTimeOffset DownSince { get; }

    /// <summary>The budget that ran out.</summary>
    public TimeSpan Budget { get; }

    internal static string Format(TimeSpan t) => t.TotalMinutes >= 1 && t.Seconds == 0 ? $"{t.TotalMinutes:0} min" : $"{t.TotalSeconds:0} s";
}
