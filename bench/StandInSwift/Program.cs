// A stand-in Keystone + Swift for benchmarks: the TestKit's InMemoryCloud served over Kestrel on a loopback port, so that a
// client run against it measures the client. Usage:
//   StandInSwift --port N --clouds-yaml FILE [--cloud NAME]
// Port 0 picks a free one. Once listening it writes FILE (a clouds.yaml with one password cloud) and prints
// "listening http://127.0.0.1:PORT" on stdout; it serves until stopped (SIGTERM or Ctrl+C). GET /_standin/stats answers the
// requests served so far by method (JSON), so that a benchmark can tell a listing-only rerun from one with a HEAD per file.
using System.Globalization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using OpenStack.Actors.Bench.StandInSwift;
using OpenStack.Actors.TestKit;

var options = StandInOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: StandInSwift --port N --clouds-yaml FILE [--cloud NAME]");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k =>
{
    k.Limits.MaxRequestBodySize = null;
    k.Limits.MaxConcurrentConnections = null;
    k.AddServerHeader = false;
});
builder.WebHost.UseUrls($"http://127.0.0.1:{options.Port.ToString(CultureInfo.InvariantCulture)}");
var app = builder.Build();

// The cloud's urls carry the port, known once Kestrel listens; nobody can reach it before that.
Bridge? bridge = null;
app.Run(context => bridge!.ServeAsync(context));
await app.StartAsync();

var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
var root = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
var cloud = new InMemoryCloud(new InMemoryCloudOptions
{
    AuthUrl = new Uri(root, "/identity/v3"),
    SwiftRoot = root,
    TokenLifetime = TimeSpan.FromDays(7),
});
bridge = new Bridge(root, cloud.CreateHandler());
// The file holds the stand-in's password: readable by its owner only, as the tool asks of a clouds.yaml.
await File.WriteAllTextAsync(options.CloudsYaml, "");
if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(options.CloudsYaml, UnixFileMode.UserRead | UnixFileMode.UserWrite);
await File.WriteAllTextAsync(options.CloudsYaml, CloudsYaml(options.Cloud, cloud));
Console.WriteLine($"listening {root.AbsoluteUri.TrimEnd('/')}");
await app.WaitForShutdownAsync();
return 0;

static string CloudsYaml(string name, InMemoryCloud cloud) => $"""
    # written by bench/StandInSwift: the TestKit's in-memory Keystone + Swift
    clouds:
      {name}:
        auth:
          auth_url: {cloud.Options.AuthUrl.AbsoluteUri}
          username: {cloud.Options.Identity.UserName}
          password: {cloud.Options.Password}
          project_name: {cloud.Options.Identity.ProjectName}
          user_domain_name: {cloud.Options.Identity.DomainName}
          project_domain_name: {cloud.Options.Identity.DomainName}
        region_name: {cloud.Options.Region}
        interface: public
        identity_api_version: 3

    """;

namespace OpenStack.Actors.Bench.StandInSwift
{
    /// <summary>The command line.</summary>
    internal sealed record StandInOptions(int Port, string CloudsYaml, string Cloud)
    {
        public static StandInOptions? Parse(string[] args)
        {
            int? port = null;
            string? yaml = null;
            var cloud = "standin";
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                switch (args[i])
                {
                    case "--port" when int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= 65535:
                        port = p;
                        break;
                    case "--clouds-yaml":
                        yaml = args[i + 1];
                        break;
                    case "--cloud":
                        cloud = args[i + 1];
                        break;
                    default:
                        return null;
                }
            }
            return args.Length % 2 == 0 && port is { } q && yaml is { } y ? new StandInOptions(q, y, cloud) : null;
        }
    }

    /// <summary>Hands each Kestrel request to the cloud's <see cref="HttpMessageHandler"/> and copies its answer back.</summary>
    internal sealed class Bridge(Uri root, HttpMessageHandler cloud)
    {
        private static readonly string[] Methods = ["GET", "HEAD", "PUT", "POST", "DELETE", "COPY"];
        private readonly HttpMessageInvoker _invoker = new(cloud, disposeHandler: true);
        private readonly long[] _served = new long[Methods.Length + 1];

        public async Task ServeAsync(HttpContext context)
        {
            var request = context.Request;
            var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
            if (target == "/_standin/stats")
            {
                await context.Response.WriteAsJsonAsync(Stats(), context.RequestAborted);
                return;
            }
            var method = Array.IndexOf(Methods, request.Method);
            Interlocked.Increment(ref _served[method < 0 ? Methods.Length : method]);
            using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(root, target));
            var chunked = request.Headers.TransferEncoding.Any(v => v?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true);
            if (request.ContentLength is not null || chunked)
            {
                var body = await ReadBodyAsync(request, context.RequestAborted);
                message.Content = new ByteArrayContent(body);
            }
            foreach (var (name, values) in request.Headers)
            {
                if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) continue;
                if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values)) message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values);
            }
            if (chunked) message.Headers.TransferEncodingChunked = true;

            using var reply = await _invoker.SendAsync(message, context.RequestAborted);
            var response = context.Response;
            response.StatusCode = (int)reply.StatusCode;
            foreach (var (name, values) in reply.Headers)
                if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) response.Headers[name] = values.ToArray();
            foreach (var (name, values) in reply.Content.Headers) response.Headers[name] = values.ToArray();
            if (HttpMethods.IsHead(request.Method) || (int)reply.StatusCode is 204 or 304) return;
            var content = await reply.Content.ReadAsByteArrayAsync(context.RequestAborted);
            await response.Body.WriteAsync(content, context.RequestAborted);
        }

        private Dictionary<string, long> Stats()
        {
            var stats = new Dictionary<string, long>(StringComparer.Ordinal);
            for (var i = 0; i < Methods.Length; i++) stats[Methods[i]] = Interlocked.Read(ref _served[i]);
            stats["other"] = Interlocked.Read(ref _served[Methods.Length]);
            stats["rssBytes"] = Environment.WorkingSet;
            return stats;
        }

        private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
        {
            if (request.ContentLength is { } n and <= int.MaxValue)
            {
                var exact = new byte[n];
                await request.Body.ReadExactlyAsync(exact, cancellationToken);
                return exact;
            }
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken);
            return buffer.ToArray();
        }
    }
}
