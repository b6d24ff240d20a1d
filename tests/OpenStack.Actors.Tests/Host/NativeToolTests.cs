using System.Text.Json;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Tests.Hosting;
using OpenStack.Actors.Tests.Integration;
using Xunit;
using static OpenStack.Actors.Tests.Integration.ObjectStoreTestSupport;
using OpenStack.Actors.Tests.Support;

namespace OpenStack.Actors.Tests.Host;

/// <summary>
/// The openstack-actors command a linux-x64 user installs: the Native AOT executable of the tool package
/// (scripts/install-tool.sh), run as its own process against the dev cloud. The in-process CLI tests run the same code
/// JIT-compiled; these catch what only the native compile changes (types created by name, reflection over JSON bodies,
/// trimmed framework code).
/// </summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NativeToolTests : TestKit, IDisposable
{
    private readonly TempDirectories _dirs = new();

    void IDisposable.Dispose() => _dirs.Dispose();

    [Fact]
    public async Task The_installed_command_is_a_native_executable_without_managed_assemblies()
    {
        var tool = await NativeTool.PathAsync();
        var store = Path.Combine(Path.GetDirectoryName(tool)!, ".store");
        var installed = Directory.EnumerateFiles(store, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.Contains("openstack-actors", installed);
        Assert.DoesNotContain(installed, f => f!.EndsWith(".dll", StringComparison.Ordinal));
        Assert.DoesNotContain(installed, f => f!.EndsWith(".pdb", StringComparison.Ordinal));
        var version = await Run(tool, "--version");
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("openstack-actors ", version.StdOut);
    }

    [Fact]
    public async Task The_executable_stores_its_data_ready_to_use_with_packed_relocations_where_the_C_library_applies_them()
    {
        var tool = await NativeTool.PathAsync();
        var libc = await DevCloud.RunAsync("getconf", ["GNU_LIBC_VERSION"]);
        Assert.Equal(0, libc.ExitCode);
        var packed = Version.Parse(libc.StdOut.Trim().Split(' ')[^1]) >= new Version(2, 36);

        var sections = ElfSectionNames(tool);
        // Packed relocations and data stored as it is go together: data stored compressed is rebuilt into the
        // .hydrated section at start instead, and data stored as it is without a packed table is a relocation per pointer.
        Assert.Equal(packed, sections.Contains(".relr.dyn"));
        Assert.Equal(!packed, sections.Contains(".hydrated"));
        var version = await Run(tool, "--version");
        Assert.Equal(0, version.ExitCode);
    }

    [Fact]
    public async Task A_tree_with_a_large_object_is_uploaded_checked_synced_downloaded_and_deleted()
    {
        var tool = await NativeTool.PathAsync();
        var source = _dirs.New("native-src-");
        WriteRandom(Path.Combine(source, "a b.txt"), 1000, 1);
        WriteRandom(Path.Combine(source, "dir +&=/c.bin"), 20_000, 2);
        WriteRandom(Path.Combine(source, "large/over two segments.bin"), (2L << 20) + 4096, 3);
        var report = Path.Combine(_dirs.New("native-report-"), "report.json");
        var container = NewContainer("native");
        var client = Client(Sys);
        try
        {
            var up = await Run(tool, "upload", source, container, "--segment-size", "1MiB", "--report", report);
            Assert.True(up.ExitCode == 0, up.StdOut + up.StdErr);
            Assert.Contains("Uploaded: 3  Skipped: 0  Failed: 0", up.StdOut);
            using (var doc = JsonDocument.Parse(await File.ReadAllTextAsync(report)))
                Assert.Equal(3, doc.RootElement.GetProperty("files").GetArrayLength());
            var head = await client.HeadObjectAsync(container, "large/over two segments.bin");
            Assert.True(head!.IsStaticLargeObject);

            var rerun = await Run(tool, "upload", source, container, "--segment-size", "1MiB");
            Assert.True(rerun.ExitCode == 0, rerun.StdOut + rerun.StdErr);
            Assert.Contains("Uploaded: 0  Skipped: 3  Failed: 0", rerun.StdOut);

            var same = await Run(tool, "check", source, container);
            Assert.True(same.ExitCode == 0, same.StdOut + same.StdErr);

            File.Delete(Path.Combine(source, "a b.txt"));
            WriteRandom(Path.Combine(source, "new.txt"), 500, 4);
            var sync = await Run(tool, "sync", source, container, "--segment-size", "1MiB");
            Assert.True(sync.ExitCode == 0, sync.StdOut + sync.StdErr);
            // With -v the HTTP log goes to stderr and stdout stays the listing alone, the system's shutdown included.
            var listed = await Run(tool, "-v", "list", container);
            Assert.Equal(["dir +&=/c.bin", "large/over two segments.bin", "new.txt"],
                listed.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Assert.Contains("http: GET ", listed.StdErr);

            var target = _dirs.New("native-down-");
            var down = await Run(tool, "download", container, target);
            Assert.True(down.ExitCode == 0, down.StdOut + down.StdErr);
            Assert.Equal(Hashes(source), Hashes(target));

            var deleted = await Run(tool, "delete", container, "--include", "*.txt");
            Assert.True(deleted.ExitCode == 0, deleted.StdOut + deleted.StdErr);
            Assert.Contains("Deleted: 1  Not found: 0  Failed: 0", deleted.StdOut);
            var all = await Run(tool, "delete", container);
            Assert.True(all.ExitCode == 0, all.StdOut + all.StdErr);
            Assert.Empty(await SegmentsLeftAsync(client, container));
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task Standard_input_the_catalog_a_raw_request_and_a_token_work_from_the_native_command()
    {
        var tool = await NativeTool.PathAsync();
        var container = NewContainer("native-stdin");
        var client = Client(Sys);
        try
        {
            var piped = await DevCloud.RunAsync("bash", ["-c", "printf 'from a pipe' | \"$0\" --os-cloud devcloud-demo upload - \"$1\" --object-name piped.txt", tool, container],
                Environment());
            Assert.True(piped.ExitCode == 0, piped.StdOut + piped.StdErr);
            var raw = await Run(tool, "request", "GET", $"/{container}/piped.txt", "--service", "object-store");
            Assert.True(raw.ExitCode == 0, raw.StdOut + raw.StdErr);
            Assert.Equal("from a pipe", raw.StdOut.Trim());

            var catalog = await Run(tool, "catalog", "list");
            Assert.True(catalog.ExitCode == 0, catalog.StdErr);
            Assert.Contains("object-store", catalog.StdOut);
            // The token is what the command prints: it is looked at, never put into a message.
            var token = await Run(tool, "token", "issue");
            Assert.Equal(0, token.ExitCode);
            Assert.Contains("project_id", token.StdOut);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task A_cluster_upload_between_two_native_processes_hands_work_to_the_worker_and_stores_every_file()
    {
        var tool = await NativeTool.PathAsync();
        var source = _dirs.New("native-cluster-");
        const int files = 300;
        for (var i = 0; i < files; i++) WriteRandom(Path.Combine(source, $"d{i % 10}", $"f{i:D3}.bin"), 2000, i);
        var container = NewContainer("native-cluster");
        var port = LoopbackPorts.Free();
        var client = Client(Sys);
        try
        {
            // The coordinator uploads one file at a time and waits for the worker to join, so most files go to the
            // worker: the work items and heartbeats cross between the processes as Akka.NET's serialised messages.
            var coordinator = Run(tool, "upload", source, container, "--transfers", "1", "--cluster", "--cluster-port", port.ToString(), "--min-nodes", "2");
            var worker = Run(tool, "upload-worker", "--seed-node", $"akka.tcp://openstack-actors@127.0.0.1:{port}", "--transfers", "8");
            var up = await coordinator;
            var w = await worker;

            Assert.True(up.ExitCode == 0, up.StdOut + up.StdErr);
            Assert.Contains($"Uploaded: {files}  Skipped: 0  Failed: 0", up.StdOut);
            Assert.Contains("Nodes: 2  Handed out again: 0", up.StdOut);
            Assert.True(w.ExitCode == 0, w.StdOut + w.StdErr);
            Assert.Matches(@"Run \w+: uploaded [1-9]\d*  skipped 0  failed 0 on this node", w.StdOut);
            Assert.DoesNotContain("Deserialization failed", up.StdErr + w.StdErr);
            var listed = new HashSet<string>();
            await foreach (var e in client.ListObjectsAsync(container)) listed.Add(e.Name);
            Assert.Equal(files, listed.Count);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task Bad_input_is_one_clear_error_line_without_a_stack_trace()
    {
        var tool = await NativeTool.PathAsync();
        var unknown = await Run(tool, "--os-cloud", "no-such-cloud", "list");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("Cloud 'no-such-cloud' is not defined", unknown.StdErr);
        Assert.DoesNotContain("   at ", unknown.StdErr);

        // Nothing listens on port 1: the error names the address and what happened there.
        var yaml = Path.Combine(_dirs.New("native-yaml-"), "clouds.yaml");
        await File.WriteAllTextAsync(yaml, "clouds:\n  nowhere: {auth: {auth_url: 'http://127.0.0.1:1/v3', username: u, password: p, project_name: p}}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(yaml, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var refused = await DevCloud.RunAsync(tool, ["--os-cloud", "nowhere", "list"], new Dictionary<string, string> { ["OS_CLIENT_CONFIG_FILE"] = yaml });
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("connection refused by 127.0.0.1:1", refused.StdErr);
        Assert.DoesNotContain("   at ", refused.StdErr);
    }

    /// <summary>The section names of a 64-bit little-endian ELF file, read from its section header table.</summary>
    private static HashSet<string> ElfSectionNames(string path)
    {
        using var file = File.OpenHandle(path);
        byte[] Read(long offset, int length)
        {
            var buffer = new byte[length];
            Assert.Equal(length, RandomAccess.Read(file, buffer, offset));
            return buffer;
        }
        var header = Read(0, 64);
        Assert.Equal("\u007fELF"u8.ToArray(), header[..4]);
        var tableOffset = BitConverter.ToInt64(header, 0x28);
        var entrySize = BitConverter.ToUInt16(header, 0x3A);
        var count = BitConverter.ToUInt16(header, 0x3C);
        var namesIndex = BitConverter.ToUInt16(header, 0x3E);
        var table = Read(tableOffset, entrySize * count);
        var namesEntry = namesIndex * entrySize;
        var names = Read(BitConverter.ToInt64(table, namesEntry + 24), (int)BitConverter.ToInt64(table, namesEntry + 32));
        var result = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var start = BitConverter.ToInt32(table, i * entrySize);
            var end = Array.IndexOf(names, (byte)0, start);
            result.Add(System.Text.Encoding.ASCII.GetString(names, start, end - start));
        }
        return result;
    }

    /// <summary>Runs the command as the demo project's user, unless the arguments name a cloud.</summary>
    private static Task<(int ExitCode, string StdOut, string StdErr)> Run(string tool, params string[] args) =>
        DevCloud.RunAsync(tool, args.Contains("--os-cloud") || args is ["--version"] ? args : ["--os-cloud", "devcloud-demo", .. args], Environment());

    private static Dictionary<string, string> Environment() => new() { ["OS_CLIENT_CONFIG_FILE"] = CloudsYaml };
}

/// <summary>
/// The installed native command: OPENSTACK_ACTORS_TOOL when set (scripts/test.sh installs it once for the run), else
/// installed here, once per test run, by scripts/install-tool.sh into a temporary tool folder.
/// </summary>
public static class NativeTool
{
    private static readonly Lazy<Task<string>> Installed = new(InstallAsync);

    public static Task<string> PathAsync() => Installed.Value;

    private static async Task<string> InstallAsync()
    {
        if (System.Environment.GetEnvironmentVariable("OPENSTACK_ACTORS_TOOL") is { Length: > 0 } given)
            return given;
        var tools = Directory.CreateTempSubdirectory("native-tool-").FullName;
        var install = await DevCloud.RunAsync("bash", [Path.Combine(SettingsTests.RepoRoot(), "scripts", "install-tool.sh"), "--tool-path", tools],
            new Dictionary<string, string>
            {
                ["PATH"] = System.Environment.GetEnvironmentVariable("PATH") ?? "",
                ["HOME"] = System.Environment.GetEnvironmentVariable("HOME") ?? "/root",
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["MSBUILDDISABLENODEREUSE"] = "1",
            }, TimeSpan.FromMinutes(20));
        if (install.ExitCode != 0) throw new InvalidOperationException($"scripts/install-tool.sh failed ({install.ExitCode}): {install.StdErr}");
        return install.StdOut.Trim().Split('\n')[^1];
    }
}
