using Akka;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;
using Akka.Actor.Setup;
using Akka.Hosting;
using Akka.Hosting.Logging;
using Microsoft.Extensions.Logging;
using OpenStack.Actors.Config;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OpenStack.Actors.Hosting;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;

namespace OpenStack.Actors.Host;

/// <summary>
/// One command's connection to a cloud: an ActorSystem configured from the host defaults and the <c>--config</c>
/// file, the cloud from clouds.yaml or <c>OS_*</c>, a session and an object-store client. Ctrl-C runs the system's
/// CoordinatedShutdown, whose first phase stops the registered transfers and waits for them to drain.
/// </summary>
public sealed class CloudConnection : IAsyncDisposable
{
    /// <summary>The host's HOCON defaults (the <c>--config</c> file overrides them).</summary>
    public const string HostDefaults = """
        akka {
          loglevel = WARNING
          stdout-loglevel = OFF              # stdout is for results
          # The basic logger of the system's start and shutdown (before and after the loggers below run) writes to
          # stderr: with -v its shutdown lines would otherwise land among a listing's names.
          stdout-logger-class = "OpenStack.Actors.Host.StandardErrorLogger, openstack-actors"
          # Akka's log goes to Microsoft.Extensions.Logging (a single-line console logger on stderr).
          loggers = ["Akka.Hosting.Logging.LoggerFactoryLogger, Akka.Hosting"]
          log-dead-letters = off
          log-dead-letters-during-shutdown = off
          # Akka's default 10 ms tick costs CPU while the tool only waits on the network (docs/performance.md); the tool's
          # timers (backoff, timeouts, progress) are all 100 ms or coarser. Embedders keep their own setting.
          scheduler.tick-duration = 100ms
          # After Ctrl-C, in-flight transfers get this long to finish (a second Ctrl-C abandons them).
          coordinated-shutdown.phases.before-service-unbind.timeout = 60s
          # The tool handles SIGINT/SIGTERM itself and runs CoordinatedShutdown from there: Akka's own signal hook would
          # start the shutdown first and hold the signal until it ends, so a second Ctrl-C could not abandon anything.
          coordinated-shutdown.run-by-clr-shutdown-hook = off
        }
        """;

    private readonly List<Func<Task>> _drains = new();
    private IDisposable[] _telemetry = [];
    private ILoggerFactory? _log;
    private ToolLog? _toolLog;
    private CliConsole? _console;

    private CloudConnection(ActorSystem system, CloudConfig cloud, OpenStackSession session, ObjectStoreClient objectStore, Akka.Configuration.Config config)
    {
        System = system;
        Cloud = cloud;
        Session = session;
        ObjectStore = objectStore;
        Config = config;
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "drain-transfers", async () =>
        {
            Func<Task>[] drains;
            lock (_drains) drains = _drains.ToArray();
            await Task.WhenAll(drains.Select(d => d())).ConfigureAwait(false);
            return Done.Instance;
        });
    }

    /// <summary>The tool's actor system, configured from the tool's defaults, <c>--config</c> and the options.</summary>
    public ActorSystem System { get; }

    /// <summary>The cloud's configuration.</summary>
    public CloudConfig Cloud { get; }

    /// <summary>The session for the selected cloud.</summary>
    public OpenStackSession Session { get; }

    /// <summary>Swift, through the cloud's object-store filter.</summary>
    public ObjectStoreClient ObjectStore { get; }

    /// <summary>The effective configuration.</summary>
    public Akka.Configuration.Config Config { get; }

    /// <summary>Reads the configuration and the cloud, and starts the session (no request is sent yet).</summary>
    /// <exception cref="CloudConfigException">The cloud is not configured properly.</exception>
    /// <exception cref="CliUsageException">The <c>--config</c> file cannot be read.</exception>
    public static CloudConnection Open(GlobalOptions options, CliConsole console) => Open(options, console, null, null);

    /// <summary>Like <see cref="Open(GlobalOptions, CliConsole)"/>, with <paramref name="overrides"/> over the <c>--config</c>
    /// file and <paramref name="defaults"/> under it (a cluster node's address from the command line, the cluster defaults).</summary>
    public static CloudConnection Open(GlobalOptions options, CliConsole console, Akka.Configuration.Config? overrides, Akka.Configuration.Config? defaults)
    {
        var config = LoadConfig(options.ConfigFile);
        if (OptionsConfig(options) is { } fromOptions) config = fromOptions.WithFallback(config);
        if (overrides is not null) config = overrides.WithFallback(config);
        if (defaults is not null) config = config.WithFallback(defaults);
        var log = ToolLog.Open(options, console);
        // The factory itself, not LoggerFactory.Create: that builds a dependency-injection container for one provider.
        var loggerFactory = new LoggerFactory([log], new LoggerFilterOptions { MinLevel = Microsoft.Extensions.Logging.LogLevel.Debug });
        ActorSystem? system = null;
        try
        {
            console.LogTo(log);
            var cloud = CloudConfig.Load(options.Cloud, console.Environment);
            foreach (var w in cloud.Warnings) console.Warn(w);
            system = ActorSystem.Create("openstack-actors", ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config), new LoggerFactorySetup(loggerFactory)));
            var settings = cloud.ApplyTo(SessionSettings.Create(system));
            var session = OpenStackExtension.Get(system).CreateSession(cloud.CreateAuthenticator(), "cli", settings);
            var objectStore = new ObjectStoreClient(session, cloud.Filter("object-store"), ObjectStoreSettings.Create(config));
            return new CloudConnection(system, cloud, session, objectStore, config)
            {
                _telemetry = options.Telemetry ? StartTelemetry() : [], _log = loggerFactory, _toolLog = log, _console = console,
            };
        }
        catch
        {
            system?.Dispose();
            console.LogTo(null);
            loggerFactory.Dispose();
            throw;
        }
    }

    /// <summary>What the global options set in the configuration: Akka's log level for <c>-v</c> and <c>--debug</c>, the
    /// session's <c>--bwlimit</c> and <c>--tpslimit</c>; null when they set nothing.</summary>
    internal static Akka.Configuration.Config? OptionsConfig(GlobalOptions options)
    {
        var hocon = new List<string>();
        if (options.Verbose || options.Debug) hocon.Add("akka.loglevel = DEBUG");
        if (options.BandwidthLimit is { } bw) hocon.Add(FormattableString.Invariant($"openstack.session.transport.bandwidth-limit = {bw}"));
        if (options.RequestsPerSecond is { } tps) hocon.Add(FormattableString.Invariant($"openstack.session.transport.requests-per-second = {tps:R}"));
        return hocon.Count == 0 ? null : ConfigurationFactory.ParseString(string.Join('\n', hocon));
    }

    /// <summary>
    /// <c>--telemetry</c>: the OpenTelemetry SDK with console exporters subscribed to the library's ActivitySource and Meter.
    /// Spans print as each HTTP attempt ends; metrics (request duration, active requests, body sizes, retries,
    /// reauthentications, token requests) every 10 s and once more when the command ends.
    /// </summary>
    private static IDisposable[] StartTelemetry() =>
    [
        OpenTelemetry.Sdk.CreateTracerProviderBuilder().AddSource(OpenStack.Actors.Telemetry.OpenStackTelemetry.Name).AddConsoleExporter().Build(),
        OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddMeter(OpenStack.Actors.Telemetry.OpenStackTelemetry.Name)
            .AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 10_000).Build(),
    ];

    /// <summary>The host defaults overlaid with the <c>--config</c> HOCON file.</summary>
    public static Akka.Configuration.Config LoadConfig(string? file)
    {
        var defaults = ConfigurationFactory.ParseString(HostDefaults).WithFallback(ObjectStoreSettings.DefaultConfig());
        if (file is null) return defaults;
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"--config {file}: {e.Message}");
        }
        try
        {
            var config = ConfigurationFactory.ParseString(text).WithFallback(defaults);
            _ = ObjectStoreSettings.Create(config);   // fail now, naming the file, rather than in the middle of a command
            _ = SessionSettings.Create(config);
            return config;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CliUsageException($"--config {file} is not valid HOCON for openstack-actors: {e.Message}");
        }
    }

    /// <summary>Registers work the shutdown waits for (stop admitting, then await the end); a first Ctrl-C runs the shutdown.</summary>
    public void OnShutdown(Func<Task> drain)
    {
        lock (_drains) _drains.Add(drain);
    }

    /// <summary>Runs CoordinatedShutdown (the drain phase first); used by Ctrl-C.</summary>
    public Task ShutdownAsync() => CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_toolLog is not null) await _toolLog.FlushAsync(System, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ActorSystemTerminateReason.Instance).ConfigureAwait(false);
        System.Dispose();
        foreach (var provider in _telemetry) provider.Dispose();   // flushes the last metrics
        _console?.LogTo(null);
        _log?.Dispose();   // closes the log file
    }
}

/// <summary>A command line that cannot be carried out as given (exit code 2).</summary>
public sealed class CliUsageException(string message) : Exception(message);
