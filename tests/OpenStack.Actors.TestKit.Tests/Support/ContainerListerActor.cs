using System.Globalization;
using System.Net;
using Akka.Actor;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.TestKit.Tests.Support;

/// <summary>Asks the lister for the names of the project's containers.</summary>
public sealed record ListContainers
{
    public static readonly ListContainers Instance = new();
}

/// <summary>The lister's answer.</summary>
public sealed record ContainersListed(IReadOnlyList<string> Names);

/// <summary>Progress report: the lister will try again after <see cref="Delay"/> (lets a test advance virtual time at the right moment).</summary>
public sealed record RetryScheduled(int Attempt, TimeSpan Delay);

/// <summary>The lister gave up.</summary>
public sealed record ListingFailed(OpenStackException Error);

/// <summary>
/// A "user actor" as a library user would write one: lists Swift containers through the session and retries on its
/// own timer after a 503 (a fixed delay) or a 429 (the server's Retry-After), up to a number of attempts.
/// It knows nothing of the test kit: it gets the session's IActorRef.
/// </summary>
public sealed class ContainerListerActor : ReceiveActor, IWithTimers
{
    private sealed record Retry
    {
        public static readonly Retry Instance = new();
    }

    private sealed record Container(string Name);

    private readonly IActorRef _session;
    private readonly TimeSpan _retryDelay;
    private readonly int _maxAttempts;
    private IActorRef _requester = ActorRefs.Nobody;
    private int _attempt;

    public ContainerListerActor(IActorRef session, TimeSpan retryDelay, int maxAttempts)
    {
        _session = session;
        _retryDelay = retryDelay;
        _maxAttempts = maxAttempts;
        Idle();
    }

    public static Props Props(IActorRef session, TimeSpan? retryDelay = null, int maxAttempts = 3) =>
        Akka.Actor.Props.Create(() => new ContainerListerActor(session, retryDelay ?? TimeSpan.FromSeconds(10), maxAttempts));

    public ITimerScheduler Timers { get; set; } = null!;

    private void Idle()
    {
        Receive<ListContainers>(_ =>
        {
            _requester = Sender;
            _attempt = 0;
            Send();
            Become(Listing);
        });
    }

    private void Listing()
    {
        Receive<OpenStackResponse>(response =>
        {
            var names = response.Json<List<Container>>()?.Select(c => c.Name).ToList() ?? [];
            _requester.Tell(new ContainersListed(names));
            Become(Idle);
        });
        Receive<RequestFailed>(failed =>
        {
            if (failed.Error is HttpErrorException { Status: HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests } http
                && _attempt < _maxAttempts)
            {
                var delay = RetryAfter(http) ?? _retryDelay;
                Timers.StartSingleTimer("retry", Retry.Instance, delay);
                _requester.Tell(new RetryScheduled(_attempt, delay));
                return;
            }
            _requester.Tell(new ListingFailed(failed.Error));
            Become(Idle);
        });
        Receive<Retry>(_ => Send());
    }

    private void Send()
    {
        _attempt++;
        _session.Tell(new OpenStackRequest(HttpMethod.Get, "/?format=json")
        {
            Service = ServiceFilter.ObjectStore,
            Headers = new Dictionary<string, string> { ["Accept"] = "application/json" },
            CorrelationId = _attempt,
        });
    }

    private static TimeSpan? RetryAfter(HttpErrorException error) =>
        error.Status == HttpStatusCode.TooManyRequests
        && error.Response?.Header("Retry-After") is { } value
        && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;
}
