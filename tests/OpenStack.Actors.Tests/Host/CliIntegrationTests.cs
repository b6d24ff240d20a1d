using System.Diagnostics;
using System.Text.Json;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Tests.Integration;
using Xunit;
using static OpenStack.Actors.Tests.Integration.ObjectStoreTestSupport;

namespace OpenStack.Actors.Tests.Host;

/// <summary>The openstack-actors commands against the dev cloud, as a user runs them.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class CliIntegrationTests : TestKit, IDisposable
{
    private readonly TempDirectories _dirs = new();
    private static IReadOnlyDictionary<string, string?> Env => CliRunner.Environment(CloudsYaml);

    void IDisposable.Dispose() => _dirs.Dispose();

    private string TempDir() => _dirs.New();

    [Fact]
    public async Task Upload_list_download_and_delete_a_tree()
    {
        var (root, files) = SampleTree();
        _dirs.Add(root);
        var container = NewContainer("cli");
        var client = Client(Sys);
        var report = Path.Combine(TempDir(), "report.json");
        try
        {
            var up = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "upload", root, container, "--segment-size", "1MiB", "--transfers", "4", "--report", report);
            Assert.True(up.ExitCode == 0, up.Out + up.Error);
            Assert.Contains($"Uploaded: {files}  Skipped: 0  Failed: 0", up.Out);
            using (var doc = JsonDocument.Parse(await File.ReadAllTextAsync(report)))
            {
                Assert.Equal(files, doc.RootElement.GetProperty("files").GetArrayLength());
                Assert.Equal(files, doc.RootElement.GetProperty("summary").GetProperty("transferred").GetInt32());
            }

            var again = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "upload", root, container, "--segment-size", "1MiB");
            Assert.Equal(0, again.ExitCode);
            Assert.Contains($"Uploaded: 0  Skipped: {files}  Failed: 0", again.Out);

            var list = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "list", container);
            Assert.Equal(0, list.ExitCode);
            var names = list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(Hashes(root).Keys, names);

            var dirs = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "list", container, "--delimiter", "/", "--prefix", "dir one/");
            Assert.Equal(["dir one/+&=.dat", "dir one/a b.txt", "dir one/deeper/"], dirs.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));

            var target = TempDir();
            var down = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "download", container, target);
            Assert.True(down.ExitCode == 0, down.Out + down.Error);
            Assert.Contains($"Downloaded: {files}  Skipped: 0  Failed: 0", down.Out);
            Assert.Equal(Hashes(root), Hashes(target));
            // Every file comes back with the time it had (stored at upload to the microsecond), large objects too.
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                var ticks = File.GetLastWriteTimeUtc(file).Ticks;
                var copy = File.GetLastWriteTimeUtc(Path.Combine(target, Path.GetRelativePath(root, file)));
                Assert.Equal(new DateTime(ticks - ticks % 10, DateTimeKind.Utc), copy);
            }

            var one = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "delete", container, "large/just over.bin", "top.txt", "not there");
            Assert.Equal(0, one.ExitCode);
            Assert.Contains("Deleted: 2  Not found: 1  Failed: 0", one.Out);
            var segments = new List<string>();
            await foreach (var e in client.ListObjectsAsync(SwiftNames.SegmentContainer(container))) segments.Add(e.Name);
            Assert.DoesNotContain(segments, s => s.StartsWith("large/just over.bin/", StringComparison.Ordinal));   // went with its manifest

            var all = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "delete", container);
            Assert.True(all.ExitCode == 0, all.Out + all.Error);
            Assert.Contains($"Deleted: {files - 2}", all.Out);
            var containers = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "list", "--prefix", container);
            Assert.Equal("", containers.Out.Trim());   // the container and its segment container are gone
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task A_failed_file_makes_the_exit_code_non_zero_and_appears_in_the_failure_table()
    {
        var root = TempDir();
        WriteRandom(Path.Combine(root, "good.txt"), 100, 1);
        File.CreateSymbolicLink(Path.Combine(root, "broken link"), "/nonexistent");
        var container = NewContainer("clifail");
        try
        {
            var r = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "upload", root, container);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("Uploaded: 1  Skipped: 0  Failed: 1", r.Out);
            Assert.Contains("broken link", r.Out);
            Assert.Contains("dangling symbolic link", r.Out);
        }
        finally
        {
            await DeleteEverythingAsync(Client(Sys), container);
        }
    }

    [Fact]
    public async Task A_container_name_swift_rejects_is_one_clear_error_line()
    {
        var root = TempDir();
        WriteRandom(Path.Combine(root, "f"), 10, 1);
        var r = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "upload", root, new string('n', 300));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Container name length of 300 longer than 256", r.Error);
        Assert.DoesNotContain("Uploaded:", r.Out);
    }

    [Fact]
    public async Task A_delete_of_a_container_that_does_not_exist_ends_in_one_error_line()
    {
        var r = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "delete", "no-such-container-" + Guid.NewGuid().ToString("N")[..8]);

        Assert.Equal(1, r.ExitCode);
        var lines = r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("Error: The delete stopped: ", line);
        Assert.Contains("404", line);
    }

    [Fact]
    public async Task Token_issue_prints_the_token_on_stdout_only_and_catalog_list_the_endpoints()
    {
        var token = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "token", "issue");
        Assert.Equal(0, token.ExitCode);
        Assert.Contains(DevCloud.Get("DEVCLOUD_DEMO_PROJECT_ID"), token.Out);
        Assert.Contains(DevCloud.Get("DEVCLOUD_DEMO_USER_ID"), token.Out);
        var id = token.Out.Split('\n').Single(l => l.Contains(" id ")).Split('│', '|').Select(c => c.Trim()).Last(c => c.Length > 0);
        Assert.True(id.Length > 20, token.Out);
        Assert.DoesNotContain(id, token.Error);

        var catalog = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "catalog", "list");
        Assert.Equal(0, catalog.ExitCode);
        Assert.Contains(DevCloud.Get("DEVCLOUD_DEMO_SWIFT_PUBLIC_URL"), catalog.Out);
        Assert.Contains("RegionTwo", catalog.Out);
    }

    [Fact]
    public async Task Request_sends_a_raw_request_through_the_session()
    {
        var container = NewContainer("clireq");
        var body = Path.Combine(TempDir(), "body.txt");
        await File.WriteAllTextAsync(body, "raw body");
        try
        {
            var put = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "request", "PUT", container, "--service", "object-store");
            Assert.True(put.ExitCode == 0, put.Error);
            var obj = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "request", "PUT", $"{container}/o", "--service", "object-store", "--data", "@" + body);
            Assert.True(obj.ExitCode == 0, obj.Error);
            Assert.StartsWith("201", obj.Error);

            var get = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "request", "GET", $"{container}/o", "--service", "object-store", "-i");
            Assert.Equal(0, get.ExitCode);
            Assert.Contains("ETag: " + Md5(body), get.Out, StringComparison.OrdinalIgnoreCase);
            Assert.EndsWith("raw body", get.Out);

            var missing = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "request", "GET", $"{container}/nothing", "--service", "object-store");
            Assert.Equal(1, missing.ExitCode);
            Assert.StartsWith("404", missing.Error);

            var token = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "request", "GET", "auth/tokens", "--service", "identity", "-i",
                "-H", "X-Subject-Token: " + (await Client(Sys).Session.GetAccessAsync()).Token.Value);
            Assert.Contains("X-Subject-Token: ***", token.Out);
        }
        finally
        {
            await DeleteEverythingAsync(Client(Sys), container);
        }
    }

    [Fact]
    public async Task An_interrupted_upload_stops_cleanly_with_exit_130_and_a_rerun_completes_it()
    {
        var root = TempDir();
        for (var i = 0; i < 60; i++) WriteRandom(Path.Combine(root, $"d{i % 6}", $"f{i}"), 300, i);
        var container = NewContainer("cliint");
        try
        {
            var console = CliRunner.NewConsole(Env);
            console.Interrupt();   // Ctrl-C as the upload starts: it is delivered once the transfer listens
            var stopped = await CliRunner.RunAsync(console, "--os-cloud", "devcloud-demo", "upload", root, container, "--transfers", "2");
            Assert.True(stopped.ExitCode == 130, stopped.Out + stopped.Error);
            Assert.Contains("Interrupted", stopped.Out);
            Assert.Contains("Failed: 0", stopped.Out);

            var rerun = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "upload", root, container);
            Assert.Equal(0, rerun.ExitCode);
            var counts = rerun.Out.Split('\n')[0].Split("  ").Select(p => int.Parse(p.Split(':')[1])).ToArray();
            Assert.Equal(60, counts[0] + counts[1]);
            Assert.True(counts[0] > 0, rerun.Out);
        }
        finally
        {
            await DeleteEverythingAsync(Client(Sys), container);
        }
    }

    [Fact]
    public async Task Sigint_to_the_process_runs_the_clean_stop()
    {
        var root = TempDir();
        for (var i = 0; i < 400; i++) WriteRandom(Path.Combine(root, $"d{i % 8}", $"f{i}"), 200, i);
        var container = NewContainer("clisig");
        var exe = Path.Combine(AppContext.BaseDirectory, "openstack-actors");
        try
        {
            var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "--os-cloud", "devcloud-demo", "upload", root, container, "--transfers", "2" }) psi.ArgumentList.Add(a);
            psi.Environment["OS_CLIENT_CONFIG_FILE"] = CloudsYaml;
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            // The first periodic progress line says the transfer is running: then Ctrl-C it.
            string? line;
            var stderr = new System.Text.StringBuilder();
            while ((line = await process.StandardError.ReadLineAsync()) is not null)
            {
                stderr.AppendLine(line);
                if (line.StartsWith("progress:", StringComparison.Ordinal)) break;
            }
            Assert.NotNull(line);
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString()])) await kill.WaitForExitAsync();
            stderr.Append(await process.StandardError.ReadToEndAsync());
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);

            var output = await stdout;
            Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{output}\n{stderr}");
            Assert.Contains("Stopping", stderr.ToString());
            Assert.Contains("Interrupted", output);
            Assert.Contains("Failed: 0", output);
        }
        finally
        {
            await DeleteEverythingAsync(Client(Sys), container);
        }
    }

    [Fact]
    public async Task Telemetry_flag_exports_the_librarys_spans_and_metrics_to_the_console()
    {
        // A real process: the OpenTelemetry console exporter writes to the process's stdout.
        var tool = Path.Combine(AppContext.BaseDirectory, "openstack-actors.dll");
        var run = await DevCloud.RunAsync("dotnet", [tool, "--os-cloud", "devcloud-demo", "--telemetry", "list"]);

        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains("Metric Name: http.client.request.duration", run.StdOut);
        Assert.Contains("Metric Name: openstack.auth.token_requests", run.StdOut);
        Assert.Contains("Activity.DisplayName:", run.StdOut);
        Assert.Contains("http.response.status_code: 200", run.StdOut);
    }
}
