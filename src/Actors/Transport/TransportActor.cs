using Akka.Actor;
using Akka.Routing;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Transport;

/// <summary>
/// Sends HTTP requests over the session's shared handler without ever blocking: each exchange runs as a task that
/// answers the requester itself. At most <see cref="TransportSettings.MaxInFlightPerTransport"/> are on the wire; the
/// rest wait in the stash, which is the pool's backpressure; an exchange that ends while requests wait wakes the actor.
/// </summary>
public sealed class TransportActor : ReceiveActor, IWithUnboundedStash
{
    private readonly HttpMessageInvoker _http;
    private readonly int _maxInFlight;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeoutSources _timeouts;
    private readonly IActorRef _self;
    private readonly ByteBucket? _bandwidth;
    // Shared with the running exchanges (they decrement it as they end), hence Interlocked; the rest is the actor's own.
    private int _inFlight;
    private int _waiting;   // 1 while requests are stashed: ending exchanges then send Wake
    private int _stashed;

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    public TransportActor(HttpMessageInvoker http, TransportSettings settings) : this(http, settings, null)
    {
    }

    /// <summary>Creates the actor with the session's bandwidth bucket, shared by the pool.</summary>
    internal TransportActor(HttpMessageInvoker http, TransportSettings settings, ByteBucket? bandwidth)
    {
        _bandwidth = bandwidth;
        _http = http;
        _timeouts = new TimeoutSources(_stopping.Token, capacity: settings.MaxInFlightPerTransport);
        _maxInFlight = settings.MaxInFlightPerTransport;
        _self = Self;
        Receive<TransportRequest>(Start);
        Receive<Wake>(_ =>
        {
            if (_stashed > 0)
            {
                _stashed--;
                Stash.Unstash();
            }
            if (_stashed == 0) Interlocked.Exchange(ref _waiting, 0);
        });
    }

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <summary>Props for one TransportActor.</summary>
    /// <param name="http">Where requests go: the session's shared handler (an <see cref="HttpClient"/> works too).</param>
    /// <param name="settings">The transport settings.</param>
    public static Props Props(HttpMessageInvoker http, TransportSettings settings) =>
        Akka.Actor.Props.Create(() => new TransportActor(http, settings));

    /// <summary>Props for the pool, routed as the settings say.</summary>
    public static Props PoolProps(HttpMessageInvoker http, TransportSettings settings) => PoolProps(http, settings, null);

    /// <summary>Props for the pool whose routees all read streamed bodies through one <paramref name="bandwidth"/> bucket.</summary>
    internal static Props PoolProps(HttpMessageInvoker http, TransportSettings settings, ByteBucket? bandwidth)
    {
        // Routees are restarted in place: their in-flight exchanges keep going and are still answered.
        var restart = new OneForOneStrategy(_ => Directive.Restart);
        Pool router = settings.Routing switch
        {
            TransportRouting.Random => new RandomPool(settings.PoolSize).WithSupervisorStrategy(restart),
            TransportRouting.SmallestMailbox => new SmallestMailboxPool(settings.PoolSize).WithSupervisorStrategy(restart),
            _ => new RoundRobinPool(settings.PoolSize).WithSupervisorStrategy(restart),
        };
        return Akka.Actor.Props.CreateBy(new Producer(http, settings, bandwidth)).WithRouter(router);
    }

    private void Start(TransportRequest request)
    {
        if (Volatile.Read(ref _inFlight) >= _maxInFlight)
        {
            Stash.Stash();
            _stashed++;
            Interlocked.Exchange(ref _waiting, 1);
            // An exchange may have ended between the check and the flag, without seeing it: then wake ourselves.
            if (Volatile.Read(ref _inFlight) < _maxInFlight) _self.Tell(Wake.Instance);
            return;
        }
        Interlocked.Increment(ref _inFlight);
        _ = ExchangeAsync(request, Sender);
    }

    /// <summary>
    /// Runs one exchange and answers the requester directly. This is PipeTo without the round trip through the
    /// actor's mailbox, which would add PipeTo's task, closure, two delegates, an extra message and one mailbox hop per
    /// request. It touches only the Interlocked counters of the actor.
    /// </summary>
    private async Task ExchangeAsync(TransportRequest request, IActorRef replyTo)
    {
        TransportResult result;
        IDirectAnswer? answer = null;
        try
        {
            var response = await HttpExchange.SendAsync(_http, request.Method, request.Url, request.Headers, request.Body, request.Token,
                request.StreamResponse, request.Timeout, request.MaxRedirects, _timeouts, request.TraceParent, _bandwidth).ConfigureAwait(false);
            if (response.IsSuccess && request.DirectAnswer is { } direct && direct.TryClaim()) answer = direct;
            result = new TransportResult(request.Id, response, null) { Answered = answer is not null };
        }
        catch (Exception ex)
        {
            result = new TransportResult(request.Id, null, ex as OpenStackException
                ?? new ConnectionFailedException($"{request.Method} {Redaction.Url(request.Url)}: {ex.GetType().Name}: {ex.Message}", ex));
        }
        Interlocked.Decrement(ref _inFlight);
        replyTo.Tell(result);
        if (Volatile.Read(ref _waiting) == 1) _self.Tell(Wake.Instance);
        // Last: a caller awaiting a task continues on this thread, as it would after HttpClient.
        answer?.Answer(result.Response!);
    }

    /// <inheritdoc />
    protected override void PreRestart(Exception reason, object message)
    {
        // A restart does not re-run the message that failed: its caller gets an answer instead.
        if (message is TransportRequest failed)
            Sender.Tell(new TransportResult(failed.Id, null, new ConnectionFailedException($"Transport failed on {failed}: {reason.Message}", reason)));
        // Not base.PreRestart: it would run PostStop and cancel the exchanges in flight, which still answer their
        // requesters themselves (and wake Self, which survives the restart, if requests wait).
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        base.PostStop();
    }

    /// <summary>Creates routees through the internal constructor (Akka's own activation sees public constructors only).</summary>
    private sealed class Producer(HttpMessageInvoker http, TransportSettings settings, ByteBucket? bandwidth) : IIndirectActorProducer
    {
        public Type ActorType => typeof(TransportActor);

        public ActorBase Produce() => new TransportActor(http, settings, bandwidth);

        public void Release(ActorBase actor)
        {
        }
    }

    private sealed record Wake
    {
        public static readonly Wake Instance = new();
    }
}
