using System.Reflection;
using OpenStack.Actors.Session;
using PublicApiGenerator;
using Xunit;

namespace OpenStack.Actors.TestKit.Tests.PublicApi;

/// <summary>
/// Keeps both packages' public surface deliberate: a change to it fails here until the approved file is updated
/// (copy the .received.txt written beside it over the .approved.txt, and review the diff in the commit).
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string> Assemblies => new() { "OpenStack.Actors", "OpenStack.Actors.TestKit" };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void The_public_api_is_the_approved_one(string assemblyName)
    {
        var assembly = assemblyName == "OpenStack.Actors" ? typeof(SessionActor).Assembly : typeof(FakeSession).Assembly;
        var api = assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false }).ReplaceLineEndings("\n");
        var folder = Path.Combine(RepoRoot(), "tests", "OpenStack.Actors.TestKit.Tests", "PublicApi");
        var approved = Path.Combine(folder, assemblyName + ".approved.txt");
        var received = Path.Combine(folder, assemblyName + ".received.txt");

        var expected = File.Exists(approved) ? File.ReadAllText(approved).ReplaceLineEndings("\n") : "";
        if (expected == api)
        {
            File.Delete(received);
            return;
        }
        File.WriteAllText(received, api);
        Assert.Fail($"The public API of {assemblyName} changed. Review {received} and copy it over {approved} to approve it.");
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OpenStack.Actors.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
