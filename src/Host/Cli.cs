using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Reflection;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using Spectre.Console;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Host;

/// <summary>The options every command takes.</summary>
/// <param name="Cloud">--os-cloud: a cloud of clouds.yaml; null for OS_CLOUD, else the OS_* variables.</param>
/// <param name="ConfigFile">--config: a HOCON file overriding the defaults.</param>
/// <param name="Debug">--debug: exception details on errors.</param>
/// <param name="Telemetry">--telemetry: traces and metrics to the console.</param>
public sealed record GlobalOptions(string? Cloud, string? ConfigFile, bool Debug, bool Telemetry = false)
{
    /// <summary>-v/--verbose: one log line per HTTP request.</summary>
    public bool Verbose { get; init; }

    /// <summary>--log-file: the log goes to this file instead of stderr.</summary>
    public string? LogFile { get; init; }

    /// <summary>--bwlimit: bytes per second of object data over the whole run; null leaves the configuration's.</summary>
    public long? BandwidthLimit { get; init; }

    /// <summary>--tpslimit: HTTP requests per second over the whole run; null leaves the configuration's.</summary>
    public double? RequestsPerSecond { get; init; }
}

/// <summary>The command line of <c>openstack-actors</c>.</summary>
public static class Cli
{
    /// <summary>Exit code of a command line that cannot be carried out as given.</summary>
    public const int UsageError = 2;

    private static readonly Option<string?> OsCloud = new("--os-cloud")
    {
        Description = "Cloud name in clouds.yaml (default: OS_CLOUD, else the OS_* variables)",
        Recursive = true,
    };

    private static readonly Option<string?> ConfigFile = new("--config")
    {
        Description = "HOCON file overriding the defaults (openstack.session.*, openstack.object-store.*, akka.*)",
        Recursive = true,
    };

    private static readonly Option<bool> Debug = new("--debug") { Description = "Show exception details on errors", Recursive = true };

    private static readonly Option<bool> Telemetry = new("--telemetry")
    {
        Description = "Export the library's traces and metrics (OpenTelemetry, meter and source OpenStack.Actors) to the console",
        Recursive = true,
    };

    private static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Log one line per HTTP request: method, url (secrets redacted), status or error, time taken, request id",
        Recursive = true,
    };

    private static readonly Option<string?> LogFile = new("--log-file")
    {
        Description = "Write the log (warnings, and with -v the HTTP requests) to this file, appended to, instead of stderr",
        Recursive = true,
    };

    private static readonly Option<long?> BwLimit = Recursive(SizeOption("--bwlimit",
        "Bytes per second of object data over all transfers together, uploads and downloads; 0 = no limit " +
        "(default 0, or openstack.session.transport.bandwidth-limit)", allowZero: true));

    private static readonly Option<double?> TpsLimit = Recursive(RateOption("--tpslimit",
        "HTTP requests per second over all transfers together, retries, HEADs and listings included; 0 = no limit " +
        "(default 0, or openstack.session.transport.requests-per-second)"));

    private static Option<T> Recursive<T>(Option<T> option)
    {
        option.Recursive = true;
        return option;
    }

    /// <summary>Parses and runs a command line.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console)
    {
        var root = Build(console);
        // No response files: "--data @file" names a request body, not more arguments.
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var invocation = new InvocationConfiguration
        {
            Output = console.OutWriter,
            Error = console.ErrorWriter,
            ProcessTerminationTimeout = null,   // Ctrl-C is ours: it runs CoordinatedShutdown
            EnableDefaultExceptionHandler = false,
        };
        if (parsed.Errors.Count > 0)
        {
            await parsed.InvokeAsync(invocation).ConfigureAwait(false);   // prints the errors and help
            return UsageError;
        }
        return await parsed.InvokeAsync(invocation).ConfigureAwait(false);
    }

    /// <summary>The command tree.</summary>
    public static RootCommand Build(CliConsole console)
    {
        var root = new RootCommand("openstack-actors: batch uploads to Swift and raw OpenStack requests over an Akka.NET session.")
        {
            Options = { OsCloud, ConfigFile, Debug, Telemetry, Verbose, LogFile, BwLimit, TpsLimit },
        };
        // The built-in --version prints the entry assembly's version (the test host's, in-process) without the tool's name.
        foreach (var version in root.Options.OfType<VersionOption>()) version.Action = new PrintVersion();
        root.Subcommands.Add(TransferCommands.Upload(console));
        root.Subcommands.Add(ClusterCommands.Worker(console));
        root.Subcommands.Add(TransferCommands.Download(console));
        root.Subcommands.Add(TransferCommands.Delete(console));
        root.Subcommands.Add(SyncCommands.Sync(console));
        root.Subcommands.Add(SyncCommands.Check(console));
        root.Subcommands.Add(InfoCommands.List(console));
        root.Subcommands.Add(InfoCommands.Token(console));
        root.Subcommands.Add(InfoCommands.Catalog(console));
        root.Subcommands.Add(InfoCommands.Request(console));
        return root;
    }

    /// <summary>What <c>--version</c> prints: the tool's name, its version and, after a <c>+</c>, the commit it was built
    /// from when it was built from a git checkout (<c>openstack-actors 0.1.0+4393788e…</c>).</summary>
    public static string VersionText { get; } = "openstack-actors " +
        (typeof(Cli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
         ?? typeof(Cli).Assembly.GetName().Version?.ToString(3));

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            // The parser keeps this action even when it found errors beside the option ("--version list"): a usage error.
            if (parseResult.Errors.Count > 0) return new ParseErrorAction().Invoke(parseResult);
            parseResult.InvocationConfiguration.Output.WriteLine(VersionText);
            return 0;
        }
    }

    /// <summary>A size option that takes units (4MiB, 1GiB, plain bytes).</summary>
    /// <param name="name">The option.</param>
    /// <param name="description">Its help.</param>
    /// <param name="allowZero">True when 0 means something (a size limit), false when a size must be positive.</param>
    public static Option<long?> SizeOption(string name, string description, bool allowZero = false) => new(name)
    {
        Description = description + " (units: 4MiB, 1GiB, 500kB or plain bytes)",
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 0 ? "" : r.Tokens[0].Value;
            try
            {
                var v = ByteSize.Parse(text);
                if (v > 0 || (allowZero && v == 0)) return v;
                r.AddError(allowZero ? $"{name} must be 0 or more" : $"{name} must be positive");
            }
            catch (FormatException e)
            {
                r.AddError($"{name}: {e.Message}");
            }
            return null;
        },
    };

    /// <summary>A duration option: <c>10s</c>, <c>15m</c>, <c>1h</c>, <c>500ms</c>, or plain seconds.</summary>
    public static Option<TimeSpan?> DurationOption(string name, string description) => new(name)
    {
        Description = description + " (units: 500ms, 10s, 15m, 1h; plain numbers are seconds)",
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 0 ? "" : r.Tokens[0].Value.Trim();
            if (ParseDuration(text) is { } d && d > TimeSpan.Zero) return d;
            r.AddError($"{name}: '{text}' is not a positive duration (e.g. 30s, 15m, 1h)");
            return null;
        },
    };

    /// <summary>Parses <c>500ms</c>, <c>10s</c>, <c>15m</c>, <c>15min</c>, <c>1h</c>, <c>1h30m</c> or plain seconds; null when it is none of these.</summary>
    public static TimeSpan? ParseDuration(string text) => Durations.Parse(text, Durations.Short, StringComparison.OrdinalIgnoreCase);

    /// <summary>A non-negative integer option.</summary>
    public static Option<int?> CountOption(string name, string description)
    {
        var o = new Option<int?>(name) { Description = description };
        o.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 0) r.AddError($"{name} must be 0 or more");
        });
        return o;
    }

    /// <summary>A rate option: a number of 0 or more, fractions allowed (0.5 is one every 2 s).</summary>
    public static Option<double?> RateOption(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 0 ? "" : r.Tokens[0].Value.Trim();
            if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v)
                && v >= 0 && double.IsFinite(v)) return v;
            r.AddError($"{name}: '{text}' is not a rate of 0 or more (e.g. 10, 2.5)");
            return null;
        },
    };

    /// <summary>A positive integer option.</summary>
    public static Option<int?> PositiveOption(string name, string description)
    {
        var o = new Option<int?>(name) { Description = description };
        o.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is <= 0) r.AddError($"{name} must be positive");
        });
        return o;
    }

    /// <summary>Runs a command body with the connection and the common error handling.</summary>
    public static Func<ParseResult, CancellationToken, Task<int>> WithCloud(CliConsole console, Func<ParseResult, CloudConnection, Task<int>> body) =>
        WithCloud(console, _ => null, body);

    /// <summary>Runs a command body with the connection, whose configuration <paramref name="configure"/> extends: HOCON over
    /// the <c>--config</c> file, and defaults under it (e.g. a cluster node's address and the cluster defaults).</summary>
    public static Func<ParseResult, CancellationToken, Task<int>> WithCloud(CliConsole console,
        Func<ParseResult, (Akka.Configuration.Config Overrides, Akka.Configuration.Config Defaults)?> configure, Func<ParseResult, CloudConnection, Task<int>> body) =>
        (parse, _) => Guard(console, parse, async () =>
        {
            var extra = configure(parse);
            await using var cloud = CloudConnection.Open(Globals(parse), console, extra?.Overrides, extra?.Defaults);
            return await body(parse, cloud).ConfigureAwait(false);
        });

    /// <summary>Turns exceptions into a one-line error and an exit code.</summary>
    public static async Task<int> Guard(CliConsole console, ParseResult parse, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (CliUsageException e)
        {
            console.Error.MarkupLineInterpolated($"[red]Error:[/] {e.Message}");
            return UsageError;
        }
        catch (Exception e) when (e is OpenStackException or IOException or UnauthorizedAccessException or ArgumentException
                                       or OperationCanceledException or Akka.Actor.AskTimeoutException)
        {
            console.Error.MarkupLineInterpolated($"[red]Error:[/] {e.Message}");
            if (parse.GetValue(Debug)) console.ErrorWriter.WriteLine(e.ToString());
            return 1;
        }
        catch (Exception e)
        {
            // Not one of ours: still one line (the type says where to look), the details only with --debug.
            console.Error.MarkupLineInterpolated($"[red]Error:[/] {e.Message} ({e.GetType().Name}; --debug shows where)");
            if (parse.GetValue(Debug)) console.ErrorWriter.WriteLine(e.ToString());
            return 1;
        }
    }

    /// <summary>The global options of a parse.</summary>
    public static GlobalOptions Globals(ParseResult parse) =>
        new(parse.GetValue(OsCloud), parse.GetValue(ConfigFile), parse.GetValue(Debug), parse.GetValue(Telemetry))
        {
            Verbose = parse.GetValue(Verbose),
            LogFile = parse.GetValue(LogFile),
            BandwidthLimit = parse.GetValue(BwLimit),
            RequestsPerSecond = parse.GetValue(TpsLimit),
        };
}
