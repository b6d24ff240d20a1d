using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Event;
using Akka.Hosting.Logging;
using Microsoft.Extensions.Logging;
using OpenStack.Actors.Host;
using OpenStack.Actors.Transport;
using Xunit;

namespace OpenStack.Actors.Tests.Host;

/// <summary>The tool's log: what -v lets through, where --log-file sends it, and the rate options' parsing.</summary>
public sealed class ToolLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("toollog-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Theory]
    [InlineData("--tpslimit", "fast")]
    [InlineData("--tpslimit", "-1")]
    [InlineData("--bwlimit", "12parsecs")]
    public async Task A_bad_rate_is_a_usage_error_naming_the_option(string option, string value)
    {
        var r = await CliRunner.RunAsync(CliRunner.Environment(Path.Combine(_dir, "none.yaml")), option, value, "list");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(option, r.Error);
    }

    [Fact]
    public void The_options_set_the_session_s_limits_and_the_log_level()
    {
        var config = CloudConnection.OptionsConfig(new GlobalOptions(null, null, false) { Verbose = true, BandwidthLimit = 512_000, RequestsPerSecond = 2.5 })!;

        Assert.Equal("DEBUG", config.GetString("akka.loglevel"));
        var transport = TransportSettings.Create(config);
        Assert.Equal(512_000, transport.BandwidthLimit);
        Assert.Equal(2.5, transport.RequestsPerSecond);
        Assert.Null(CloudConnection.OptionsConfig(new GlobalOptions(null, null, false)));
    }

    [Fact]
    public async Task With_a_log_file_the_http_lines_and_warnings_go_there_with_their_time_and_nothing_to_stderr()
    {
        var path = Path.Combine(_dir, "run.log");
        var console = CliRunner.NewConsole(new Dictionary<string, string?>());
        var log = ToolLog.Open(new GlobalOptions(null, null, false) { Verbose = true, LogFile = path }, console);
        using var factory = LoggerFactory.Create(b => b.AddProvider(log).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug));
        var system = ActorSystem.Create("toollog", ActorSystemSetup.Create(
            BootstrapSetup.Create().WithConfig(ConfigurationFactory.ParseString(
                "akka.loglevel = DEBUG\nakka.loggers = [\"Akka.Hosting.Logging.LoggerFactoryLogger, Akka.Hosting\"]")),
            new LoggerFactorySetup(factory)));
        try
        {
            console.LogTo(log);
            console.Warn("a warning of the tool's own");
            Logging.GetLogger(system, typeof(HttpRequestLog)).Debug("{0}", "GET https://swift.test/c 200 in 3 ms");
            Logging.GetLogger(system, "elsewhere").Debug("an Akka debug line -v leaves out");
            Logging.GetLogger(system, "elsewhere").Warning("an Akka warning");
            await log.FlushAsync(system, TimeSpan.FromSeconds(10));
        }
        finally
        {
            await system.Terminate();
            console.LogTo(null);
        }
        factory.Dispose();

        var lines = await File.ReadAllLinesAsync(path);
        Assert.Collection(lines,
            l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warning: a warning of the tool's own$", l),
            l => Assert.Matches(@"^\S+Z http: GET https://swift\.test/c 200 in 3 ms$", l),
            l => Assert.Matches(@"^\S+Z warning: an Akka warning$", l));
        Assert.Equal("", console.ErrorWriter.ToString());
    }

    [Fact]
    public async Task A_log_file_that_cannot_be_opened_is_a_usage_error()
    {
        var r = await CliRunner.RunAsync(CliRunner.Environment(Path.Combine(_dir, "none.yaml")), "--log-file", Path.Combine(_dir, "no", "such", "dir", "x.log"), "list");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--log-file", r.Error);
    }
}
