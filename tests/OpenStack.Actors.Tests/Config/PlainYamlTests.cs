using OpenStack.Actors.Config;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using Xunit;

namespace OpenStack.Actors.Tests.Config;

/// <summary>The event-by-event reading of clouds.yaml against YamlDotNet's deserializer, which it stands in for.</summary>
public sealed class PlainYamlTests
{
    public static TheoryData<string> Documents => new()
    {
        "",
        "# only a comment\n",
        "plain",
        "clouds:\n  a:\n    auth:\n      auth_url: http://k:5000/v3\n      password: 'p w'\n    region_name: \"R1\"\n",
        "k: ~\nl: null\nm: NULL\nn:\no: ''\np: \"null\"\nq: 5\nr: true\ns: 1.50\n",
        "list: [a, 'b', [c, d], {e: f}]\nblock:\n  - x\n  - y: z\n  -\n",
        "base: &b {auth: {auth_url: http://k/v3, username: u}, region_name: R1}\nclouds:\n  one:\n    <<: *b\n    region_name: R2\n  two: *b\n",
        "a: 1\na: 2\n",
        "s: |\n  line one\n  line two\nt: >\n  folded\n  text\n",
        "---\nx: 1\n...\n",
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public void It_reads_what_the_deserializer_reads(string yaml)
    {
        var expected = CloudYaml.Normalize(new DeserializerBuilder().Build().Deserialize<object?>(PlainYaml.Parser(yaml)), normalizeKeys: false);
        Assert.True(PlainYaml.TryRead(yaml, out var root));
        Assert.Equal(Dump(expected), Dump(CloudYaml.Normalize(root, normalizeKeys: false)));
    }

    [Theory]
    [InlineData("tagged: !!int 0x1F\n")]
    [InlineData("? [complex, key]\n: v\n")]
    [InlineData("n: !!null ''\n")]
    [InlineData("a: *nowhere\n")]
    public void It_leaves_to_the_deserializer_what_only_it_gives_meaning_to(string yaml) =>
        Assert.False(PlainYaml.TryRead(yaml, out _));

    [Fact]
    public void Untagged_clouds_yaml_is_read_without_the_deserializer()
    {
        Assert.True(PlainYaml.TryRead("clouds:\n  a: &x {region_name: R1}\n  b:\n    <<: *x\n", out var root));
        var clouds = (Dictionary<string, object?>)((Dictionary<string, object?>)CloudYaml.Normalize(root, false)!)["clouds"]!;
        Assert.Equal("R1", ((Dictionary<string, object?>)clouds["b"]!)["region_name"]);
    }

    [Theory]
    [InlineData("a: b: c\n")]
    [InlineData("---\nx: 1\n...\n---\ny: 2\n")]
    public void Invalid_yaml_fails_with_the_deserializer_s_message(string yaml)
    {
        var expected = Assert.ThrowsAny<YamlException>(() => new DeserializerBuilder().Build().Deserialize<object?>(PlainYaml.Parser(yaml)));
        var thrown = Assert.ThrowsAny<YamlException>(() => PlainYaml.TryRead(yaml, out _));
        Assert.Equal(expected.Message, thrown.Message);
    }

    private static string Dump(object? node) => node switch
    {
        null => "~null",
        string s => "'" + s + "'",
        Dictionary<string, object?> map => "{" + string.Join(",", map.Select(e => e.Key + ":" + Dump(e.Value))) + "}",
        List<object?> list => "[" + string.Join(",", list.Select(Dump)) + "]",
        _ => "?" + node.GetType().Name,
    };
}
