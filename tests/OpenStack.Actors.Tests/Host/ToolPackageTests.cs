using System.Reflection;
using System.Runtime.InteropServices;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Host;
using OpenStack.Actors.Tests.Hosting;
using OpenStack.Actors.Tests.Integration;
using Xunit;
using static OpenStack.Actors.Tests.Integration.ObjectStoreTestSupport;

namespace OpenStack.Actors.Tests.Host;

/// <summary>
/// The openstack-actors command as a user gets it: the Host project packed into a tool package, that package installed
/// with <c>dotnet tool install --tool-path</c>, and the installed command run as its own process against the dev cloud.
/// </summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ToolPackageTests : TestKit, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("tool-it-").FullName;

    void IDisposable.Dispose() => Directory.Delete(_work, true);

    /// <summary>The version the build of this checkout stamped, without the commit: the package's version.</summary>
    private static string Version => Stamp.Split('+')[0];

    private static string Stamp => typeof(Cli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

    // The configuration the test assembly was built in: the Host project beside it was built in the same one.
    private static string Configuration => typeof(ToolPackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;

    [Fact]
    public async Task The_packed_tool_installs_from_its_package_and_uploads_to_the_cloud()
    {
        var repo = SettingsTests.RepoRoot();
        var packages = Path.Combine(_work, "packages");
        var tools = Path.Combine(_work, "tools");

        // What `dotnet build` left is packed as it is (no second compile): the test runs after the build of the solution.
        // That build is not RID-specific, so this is the portable package (what platforms without a native package get);
        // the linux-x64 native package is installed by scripts/install-tool.sh and run by NativeToolTests.
        var pack = await Dotnet("pack", Path.Combine(repo, "src", "Host", "OpenStack.Actors.Host.csproj"), "-c", Configuration, "--no-build", "-o", packages,
            "-p:RuntimeIdentifiers=", "-p:ToolPackageRuntimeIdentifiers=");
        Assert.True(pack.ExitCode == 0, pack.StdOut + pack.StdErr);
        Assert.True(File.Exists(Path.Combine(packages, $"OpenStack.Actors.Tool.{Version}.nupkg")), string.Join(", ", Directory.GetFiles(packages)));

        var install = await Dotnet("tool", "install", "OpenStack.Actors.Tool", "--tool-path", tools, "--source", packages, "--version", Version);
        Assert.True(install.ExitCode == 0, install.StdOut + install.StdErr);
        var command = Path.Combine(tools, OperatingSystem.IsWindows() ? "openstack-actors.exe" : "openstack-actors");

        var version = await Run(command, "--version");
        Assert.Equal(0, version.ExitCode);
        Assert.Equal($"openstack-actors {Stamp}", version.StdOut.Trim());
        if (await HeadCommit(repo) is { } head)
            Assert.True(Stamp == $"{Version}+{head}", $"the build stamped {Stamp} but HEAD is {head}: build again after a commit");

        var source = Path.Combine(_work, "data");
        WriteRandom(Path.Combine(source, "a b.txt"), 1000, 1);
        WriteRandom(Path.Combine(source, "dir +&=/c.bin"), 20_000, 2);
        WriteRandom(Path.Combine(source, "large/over one segment.bin"), (1L << 20) + 4096, 3);
        var container = NewContainer("tool");
        var client = Client(Sys);
        try
        {
            var up = await Run(command, "--os-cloud", "devcloud-demo", "upload", source, container, "--segment-size", "1MiB");
            Assert.True(up.ExitCode == 0, up.StdOut + up.StdErr);
            Assert.Contains("Uploaded: 3  Skipped: 0  Failed: 0", up.StdOut);

            var stored = new SortedDictionary<string, string>(StringComparer.Ordinal);
            await foreach (var e in client.ListObjectsAsync(container)) stored[e.Name] = e.Hash ?? "";
            var local = Hashes(source);
            Assert.Equal(local.Keys, stored.Keys);
            // A large object's listing hash is its manifest's; the small ones are the files' MD5.
            Assert.Equal(local["a b.txt"], stored["a b.txt"]);
            Assert.Equal(local["dir +&=/c.bin"], stored["dir +&=/c.bin"]);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    private Task<(int ExitCode, string StdOut, string StdErr)> Dotnet(params string[] args) =>
        DevCloud.RunAsync(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } muxer ? muxer : "dotnet", args,
            ChildEnvironment(), TimeSpan.FromMinutes(5));

    private Task<(int ExitCode, string StdOut, string StdErr)> Run(string command, params string[] args) =>
        DevCloud.RunAsync(command, args, ChildEnvironment());

    private static Dictionary<string, string> ChildEnvironment() => new()
    {
        ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "",
        ["OS_CLIENT_CONFIG_FILE"] = CloudsYaml,
        // The installed command's launcher finds the runtime that runs this test, wherever it is installed.
        ["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..")),
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
        ["MSBUILDDISABLENODEREUSE"] = "1",   // no build node stays behind holding the test run's output open
    };

    /// <summary>The commit of HEAD, or null without a git checkout or a git command.</summary>
    private static async Task<string?> HeadCommit(string repo)
    {
        if (!Path.Exists(Path.Combine(repo, ".git"))) return null;
        try
        {
            var git = await DevCloud.RunAsync("git", ["-C", repo, "rev-parse", "HEAD"]);
            return git.ExitCode == 0 ? git.StdOut.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;   // no git on PATH
        }
    }
}
