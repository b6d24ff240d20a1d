using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using Akka.Event;
using Akka;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Support;
using Xunit;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.Session;

public sealed class SecretRedactionTests() : TestKit(TestConfigs.DebugLogging)
{
    [Fact]
    public async Task No_token_or_password_appears_in_any_log_line_or_error()
    {
        var lines = new ConcurrentQueue<string>();
        var collector = Sys.ActorOf(Props.Create(() => new LogCollector(lines)));
        Sys.EventStream.Subscribe(collector, typeof(LogEvent));

        var cloud = new FakeCloud(password: "pa55-w0rd-SECRET");
        var session = new OpenStackSession(Sys.ActorOf(SessionActor.Props(cloud.Authenticator(), SessionSettings.Default, cloud.Http)), SessionSettings.Default);
        await session.GetAsync("/", ServiceFilter.ObjectStore);
        cloud.Revoke("tok-1");
        await session.GetAsync("/after-revocation", ServiceFilter.ObjectStore);
        var errors = new List<Exception>
        {
            await Assert.ThrowsAsync<EndpointNotFoundException>(() => session.GetAsync("/x", new ServiceFilter("compute"))),
            await Assert.ThrowsAnyAsync<OpenStackException>(() => session.GetAsync("http://elsewhere.test/?temp_url_sig=tok-2")),
        };
        var wrong = new OpenStackSession(Sys.ActorOf(SessionActor.Props(cloud.Authenticator("wrong-guess"), SessionSettings.Default, cloud.Http)), SessionSettings.Default);
        errors.Add(await Assert.ThrowsAsync<AuthenticationFailedException>(() => wrong.GetAsync("/", ServiceFilter.ObjectStore)));
        var access = await session.GetAccessAsync();
        await collector.Ask<Done>(Flush.Instance, TimeSpan.FromSeconds(3));

        Assert.Contains(lines, l => l.Contains("rejected", StringComparison.Ordinal));  // the log did see the reauthentication
        Assert.DoesNotContain(lines, l => l.Contains(nameof(StaleTokenException), StringComparison.Ordinal));  // as news, not as an error
        var secrets = new[] { "tok-1", "tok-2", "tok-3", "pa55-w0rd-SECRET" };
        var everything = lines.Concat(errors.Select(e => e.ToString())).Append(access.ToString()).Append(access.Token.ToString()).ToList();
        foreach (var secret in secrets)
            Assert.DoesNotContain(everything, text => text.Contains(secret, StringComparison.Ordinal));
    }

    private sealed class LogCollector : ReceiveActor
    {
        public LogCollector(ConcurrentQueue<string> lines)
        {
            Receive<LogEvent>(e => lines.Enqueue(e.ToString() + " " + e.Cause));
            Receive<Flush>(_ => Sender.Tell(Done.Instance));
        }
    }

    private sealed record Flush
    {
        public static readonly Flush Instance = new();
    }
}
