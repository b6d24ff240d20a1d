namespace OpenStack.Actors.Catalog;

/// <summary>Official service types and their aliases (from the OpenStack service-types authority).</summary>
public static class ServiceTypes
{
    private static readonly Dictionary<string, string> AliasToType = BuildAliases(new()
    {
        ["block-storage"] = ["volume", "volumev2", "volumev3", "block-store"],
        ["object-store"] = [],
        ["compute"] = [],
        ["identity"] = [],
        ["image"] = [],
        ["network"] = [],
        ["orchestration"] = [],
        ["placement"] = [],
        ["load-balancer"] = [],
        ["key-manager"] = [],
        ["dns"] = [],
        ["shared-file-system"] = ["share", "sharev2"],
        ["container-infrastructure-management"] = ["container-infrastructure", "container-infra"],
        ["workflow"] = ["workflowv2"],
        ["clustering"] = ["cluster"],
        ["baremetal"] = ["bare-metal"],
        ["application-catalog"] = [],
        ["message"] = ["messaging"],
        ["rating"] = [],
        ["metric"] = [],
        ["alarm"] = [],
        ["event"] = [],
        ["instance-ha"] = ["ha"],
        ["reservation"] = [],
        ["accelerator"] = [],
        ["resource-cluster"] = [],
    });

    private static Dictionary<string, string> BuildAliases(Dictionary<string, string[]> table)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (type, aliases) in table)
        {
            map[type] = type;
            foreach (var alias in aliases) map[alias] = type;
        }
        return map;
    }

    /// <summary>The official type for a type or alias; underscores count as hyphens (<c>object_store</c>).</summary>
    public static string Canonical(string serviceType)
    {
        var normalized = serviceType.Trim().Replace('_', '-').ToLowerInvariant();
        return AliasToType.TryGetValue(normalized, out var official) ? official : normalized;
    }

    /// <summary>The major version implied by a versioned alias such as <c>volumev3</c>, if any.</summary>
    public static string? VersionOfAlias(string serviceType)
    {
        var t = serviceType.Trim().ToLowerInvariant();
        var i = t.Length;
        while (i > 0 && char.IsDigit(t[i - 1])) i--;
        return i > 1 && i < t.Length && t[i - 1] == 'v' ? t[i..] : null;
    }
}
