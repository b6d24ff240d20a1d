using System.CommandLine;
using System.Globalization;
using OpenStack.Actors.Discovery;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using Spectre.Console;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Host;

/// <summary>list, token issue, catalog list and request.</summary>
public static class InfoCommands
{
    /// <summary><c>list [&lt;container&gt;]</c>: containers, or a container's objects, one per line as they are read.</summary>
    public static Command List(CliConsole console)
    {
        var container = new Argument<string?>("container") { Description = "List this container's objects (default: the account's containers)", Arity = ArgumentArity.ZeroOrOne };
        var prefix = new Option<string?>("--prefix") { Description = "Only names starting with this" };
        var delimiter = new Option<string?>("--delimiter") { Description = "Roll names up at this character into pseudo-directories (e.g. /)" };
        delimiter.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { Length: not 1 }) r.AddError("--delimiter must be one character");
        });
        var longFormat = new Option<bool>("--long") { Description = "Also show size, last modified time and ETag (objects; a Dynamic Large Object with its real size and \"-> <segments container>/<prefix>\") or count and size (containers)" };
        var pageSize = Cli.PositiveOption("--page-size", "Names asked for per request (Swift's limit; default 10000)");
        var command = new Command("list", "List containers, or the objects of a container") { container, prefix, delimiter, longFormat, pageSize };
        command.SetAction(Cli.WithCloud(console, async (parse, cloud) =>
        {
            var options = new ListOptions { Prefix = parse.GetValue(prefix), Delimiter = parse.GetValue(delimiter)?[0], PageSize = parse.GetValue(pageSize) ?? 10_000 };
            var w = console.OutWriter;
            var detailed = parse.GetValue(longFormat);
            long count = 0, bytes = 0;
            if (parse.GetValue(container) is { } c)
            {
                await foreach (var e in cloud.ObjectStore.ListObjectsAsync(c, options).ConfigureAwait(false))
                {
                    count++;
                    // The listing shows a Dynamic Large Object's manifest (0 bytes); its HEAD has the content's size and ETag.
                    var dynamic = detailed ? await cloud.ObjectStore.HeadIfDynamicAsync(c, e).ConfigureAwait(false) : null;
                    var size = dynamic?.ContentLength ?? e.Bytes;
                    bytes += size;
                    if (!detailed || e.IsSubdir) w.WriteLine(e.Name);
                    else w.WriteLine($"{size,14} {e.LastModified?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",19} "
                                     + $"{dynamic?.ETag ?? e.ETag,-32} {e.Name}{(dynamic is null ? "" : " -> " + dynamic.DynamicManifest)}");
                }
            }
            else
            {
                await foreach (var e in cloud.ObjectStore.ListContainersAsync(options).ConfigureAwait(false))
                {
                    count++;
                    bytes += e.Bytes;
                    w.WriteLine(detailed ? $"{e.Count,10} {e.Bytes,14} {e.Name}" : e.Name);
                }
            }
            if (detailed) w.WriteLine($"{count} entries, {ByteSize.Format(bytes)}");
            return 0;
        }));
        return command;
    }

    /// <summary><c>token issue</c>: the token and whom it is for. The token goes to stdout only, as <c>openstack token issue</c> prints it.</summary>
    public static Command Token(CliConsole console)
    {
        var issue = new Command("issue", "Get a token and show its expiry, user and project (and the token itself, on stdout)");
        issue.SetAction(Cli.WithCloud(console, async (parse, cloud) =>
        {
            var access = await cloud.Session.GetAccessAsync().ConfigureAwait(false);
            var table = new Table().AddColumn("Field").AddColumn("Value");
            table.AddRow("expires", access.ExpiresAt?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? "never");
            table.AddRow("id", Markup.Escape(access.Token.Value));
            table.AddRow("project_id", Markup.Escape(access.ProjectId ?? ""));
            table.AddRow("user_id", Markup.Escape(access.UserId ?? ""));
            console.Out.Write(table);
            return 0;
        }));
        return new Command("token", "Keystone tokens") { issue };
    }

    /// <summary><c>catalog list</c>: the endpoints of the token's service catalog.</summary>
    public static Command Catalog(CliConsole console)
    {
        var list = new Command("list", "Show the service catalog");
        list.SetAction(Cli.WithCloud(console, async (parse, cloud) =>
        {
            var access = await cloud.Session.GetAccessAsync().ConfigureAwait(false);
            var table = new Table().AddColumn("Type").AddColumn("Name").AddColumn("Interface").AddColumn("Region").AddColumn("URL");
            foreach (var e in access.Catalog.Endpoints.OrderBy(e => e.ServiceType, StringComparer.Ordinal).ThenBy(e => e.Region).ThenBy(e => e.Interface))
                table.AddRow(Markup.Escape(e.ServiceType), Markup.Escape(e.ServiceName ?? ""), e.Interface, Markup.Escape(e.Region ?? e.RegionId ?? ""), Markup.Escape(e.Url.ToString()));
            console.Out.Write(table);
            return 0;
        }));
        return new Command("catalog", "The service catalog") { list };
    }

    /// <summary><c>request &lt;METHOD&gt; &lt;url&gt; --service TYPE [--data @file]</c>: one raw request through the session.</summary>
    public static Command Request(CliConsole console)
    {
        var method = new Argument<string>("method") { Description = "GET, HEAD, PUT, POST, DELETE, PATCH..." };
        var url = new Argument<string>("url") { Description = "Relative to the service's endpoint (with --service), or absolute" };
        var service = new Option<string?>("--service") { Description = "Service type whose catalog endpoint a relative url is joined to (e.g. object-store, identity)" };
        var data = new Option<string?>("--data") { Description = "Request body: text, or @file to stream a file" };
        var headers = new Option<string[]>("--header", "-H") { Description = "Request header 'Name: value' (repeatable)", AllowMultipleArgumentsPerToken = false };
        var include = new Option<bool>("--include", "-i") { Description = "Print the status line and response headers before the body (secret headers masked)" };
        var noAuth = new Option<bool>("--no-auth") { Description = "Send no token" };
        var microversion = new Option<string?>("--microversion")
        {
            Description = "Microversion X.Y or 'latest', negotiated against the service's version document (needs --service); sent as OpenStack-API-Version",
        };
        var requestId = new Option<string?>("--request-id") { Description = "Global request id req-<uuid> sent as X-OpenStack-Request-ID (the service logs it)" };
        var command = new Command("request", "Send one request through the session and print the response body")
        {
            method, url, service, data, headers, include, noAuth, microversion, requestId,
        };
        command.SetAction(Cli.WithCloud(console, async (parse, cloud) =>
        {
            var h = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in parse.GetValue(headers) ?? [])
            {
                var colon = line.IndexOf(':');
                if (colon <= 0) throw new CliUsageException($"--header '{line}' is not 'Name: value'");
                h[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
            var api = ApiVersion(parse.GetValue(microversion), parse.GetValue(service));
            var id = parse.GetValue(requestId);
            if (id is not null && !ApiHeaders.IsValidGlobalRequestId(id))
                throw new CliUsageException($"--request-id '{id}' is not 'req-' and a lower-case uuid (e.g. req-{Guid.NewGuid()})");
            var request = new OpenStackRequest(new HttpMethod(parse.GetValue(method)!.ToUpperInvariant()), parse.GetValue(url)!)
            {
                Api = api,
                Service = parse.GetValue(service) is { } type ? cloud.Cloud.Filter(type) : null,
                Authenticate = !parse.GetValue(noAuth),
                Headers = h,
                Body = Body(parse.GetValue(data)),
                Options = new RequestOptions { RaiseOnError = false, StreamResponse = true, GlobalRequestId = id },
            };
            using var response = await cloud.Session.SendAsync(request).ConfigureAwait(false);
            console.ErrorWriter.WriteLine($"{(int)response.Status} {response.Status} ({response.Elapsed.TotalMilliseconds:F0} ms)" +
                (response.RequestId is { } served ? $" request id {Redaction.Printable(served)}" : ""));
            if (parse.GetValue(include))
            {
                console.OutWriter.WriteLine($"HTTP {(int)response.Status} {response.Status}");
                foreach (var (name, value) in response.Headers.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase))
                    console.OutWriter.WriteLine($"{name}: {(Redaction.IsSecretHeader(name) ? "***" : value)}");
                console.OutWriter.WriteLine();
            }
            if (response.BodyStream is { } body)
            {
                console.OutWriter.Flush();
                await using var output = console.OpenOutputStream();
                await body.CopyToAsync(output).ConfigureAwait(false);
                await output.FlushAsync().ConfigureAwait(false);
            }
            return response.IsSuccess ? 0 : 1;
        }));
        return command;
    }

    private static ApiVersionRequest? ApiVersion(string? microversion, string? service)
    {
        if (microversion is null) return null;
        if (service is null) throw new CliUsageException("--microversion needs --service: the version is negotiated with that service");
        if (!Microversion.IsValidRequest(microversion))
            throw new CliUsageException($"--microversion '{microversion}' is not X.Y (e.g. 1.30) or 'latest'");
        return ApiVersionRequest.ForMicroversion(microversion);
    }

    private static RequestBody? Body(string? data)
    {
        if (data is null) return null;
        if (!data.StartsWith('@')) return RequestBody.FromText(data, "application/json");
        var path = data[1..];
        if (!File.Exists(path)) throw new CliUsageException($"--data @{path}: no such file");
        var length = new FileInfo(path).Length;
        // Opened anew for each attempt, so a retry resends the whole file.
        return RequestBody.FromStreamFactory(() => File.OpenRead(path), length);
    }
}
