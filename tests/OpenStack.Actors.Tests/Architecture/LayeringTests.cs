using NetArchTest.Rules;
using OpenStack.Actors.Session;
using Xunit;

namespace OpenStack.Actors.Tests.Architecture;

/// <summary>
/// Dependencies between the library's folders point one way (docs/architecture.md): the HTTP vocabulary and errors at
/// the bottom, then the pure catalog, version discovery (parsing and choosing, no I/O), the transport, auth, config, the session, the object store, and hosting on top.
/// A folder may use the ones below it only.
/// </summary>
public sealed class LayeringTests
{
    private const string Root = "OpenStack.Actors";

    /// <summary>From the bottom up; Telemetry is a leaf that anything may use.</summary>
    private static readonly string[] Layers = ["Http", "Catalog", "Discovery", "Transport", "Auth", "Config", "Session", "ObjectStore", "Hosting"];

    public static TheoryData<string> Folders() => new(Layers.Append("Telemetry"));

    [Theory]
    [MemberData(nameof(Folders))]
    public void A_folder_depends_on_no_folder_above_it(string folder)
    {
        var above = folder == "Telemetry" ? Layers : Layers.SkipWhile(l => l != folder).Skip(1);
        var forbidden = above.Select(l => $"{Root}.{l}").ToArray();

        var result = Types.InAssembly(typeof(SessionActor).Assembly)
            .That().ResideInNamespace($"{Root}.{folder}")
            .ShouldNot().HaveDependencyOnAny(forbidden)
            .GetResult();

        Assert.True(result.IsSuccessful,
            $"{folder} uses a folder above it ({string.Join(", ", forbidden)}): {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void The_root_helpers_depend_on_no_folder()
    {
        var result = Types.InAssembly(typeof(SessionActor).Assembly)
            .That().HaveName("Redaction").Or().HaveName("ReferenceConfig")
            .ShouldNot().HaveDependencyOnAny(Layers.Append("Telemetry").Select(l => $"{Root}.{l}").ToArray())
            .GetResult();

        Assert.True(result.IsSuccessful, string.Join(", ", result.FailingTypeNames ?? []));
    }
}
