using Xunit;

namespace OpenStack.Actors.TestKit.Tests;

/// <summary>The TestKit README's code is the code of tests that run: each region marked <c>// README:</c> ... <c>// README: end</c>
/// in these files appears in the README as it is.</summary>
public sealed class ReadmeTests
{
    [Theory]
    [InlineData("tests/OpenStack.Actors.TestKit.Tests/Support/BackupActor.cs")]
    [InlineData("tests/OpenStack.Actors.TestKit.Tests/BackupActorTests.cs")]
    [InlineData("tests/OpenStack.Actors.TestKit.HostingTests/BackupActorUnderHostingTestKitTests.cs")]
    public void The_README_shows_the_marked_code_as_it_is(string file)
    {
        var root = RepositoryRoot();
        var readme = File.ReadAllText(Path.Combine(root, "src/TestKit/README.md")).ReplaceLineEndings("\n");
        var lines = File.ReadAllText(Path.Combine(root, file)).ReplaceLineEndings("\n").Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith("// README:", StringComparison.Ordinal));
        var end = Array.FindIndex(lines, l => l == "// README: end");
        Assert.True(start >= 0 && end > start, $"{file} has no README region");

        var region = string.Join("\n", lines[(start + 1)..end]).Trim('\n');

        Assert.True(readme.Contains(region, StringComparison.Ordinal), $"src/TestKit/README.md does not show {file} as it is: copy its README region over");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OpenStack.Actors.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No OpenStack.Actors.sln above {AppContext.BaseDirectory}");
    }
}
