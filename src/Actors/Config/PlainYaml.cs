using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace OpenStack.Actors.Config;

/// <summary>
/// Untagged YAML read event by event into what YamlDotNet's deserializer makes of it for <c>object</c>: mappings as
/// dictionaries (a later key replaces an earlier one), sequences as lists, scalars as strings, plain <c>~</c>, <c>null</c>
/// and empty scalars as null, aliases as their anchor's value, merge keys merged. Building the deserializer costs
/// reflection over its type inspectors and node deserializers at every start of a command, more than the whole read of
/// a clouds.yaml; a document with what only the deserializer gives meaning to (a tag, a key that is not a scalar, an
/// alias not after its anchor's node) is left to it.
/// </summary>
internal static class PlainYaml
{
    /// <summary>The parser of both readings: YAML with merge keys resolved.</summary>
    internal static IParser Parser(string text) => new MergingParser(new Parser(new StringReader(text)));

    /// <summary>The document's first node; false (and nothing) when the document needs the deserializer.</summary>
    /// <exception cref="YamlException">The text is not valid YAML.</exception>
    internal static bool TryRead(string text, out object? root)
    {
        var parser = Parser(text);
        var anchors = new Dictionary<string, object?>(StringComparer.Ordinal);
        root = null;
        var hasStreamStart = parser.TryConsume<StreamStart>(out _);
        if (!parser.Accept<StreamEnd>(out _))
        {
            var hasDocumentStart = parser.TryConsume<DocumentStart>(out _);
            if (!TryNode(parser, anchors, out root)) return false;
            if (hasDocumentStart) parser.Consume<DocumentEnd>();
        }
        if (hasStreamStart) parser.Consume<StreamEnd>();   // a second document is an error, as for the deserializer
        return true;
    }

    private static bool TryNode(IParser parser, Dictionary<string, object?> anchors, out object? value)
    {
        value = null;
        if (parser.TryConsume<AnchorAlias>(out var alias)) return anchors.TryGetValue(alias.Value.Value, out value);
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            if (!scalar.Tag.IsEmpty) return false;
            value = scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL" ? null : scalar.Value;
            return Remember(anchors, scalar, value);
        }
        if (parser.TryConsume<SequenceStart>(out var sequence))
        {
            if (!sequence.Tag.IsEmpty) return false;
            var list = new List<object?>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                if (!TryNode(parser, anchors, out var item)) return false;
                list.Add(item);
            }
            value = list;
            return Remember(anchors, sequence, list);
        }
        if (parser.TryConsume<MappingStart>(out var mapping))
        {
            if (!mapping.Tag.IsEmpty) return false;
            var map = new Dictionary<object, object?>();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                if (!TryNode(parser, anchors, out var key) || key is not string name) return false;
                if (!TryNode(parser, anchors, out var item)) return false;
                map[name] = item;
            }
            value = map;
            return Remember(anchors, mapping, map);
        }
        return false;
    }

    private static bool Remember(Dictionary<string, object?> anchors, NodeEvent node, object? value)
    {
        if (!node.Anchor.IsEmpty) anchors[node.Anchor.Value] = value;
        return true;
    }
}
