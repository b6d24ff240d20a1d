using static OpenStack.Actors.Config.ConfigEnvironment;

namespace OpenStack.Actors.Config;

/// <summary>Where clouds.yaml and secure.yaml are looked for, in openstacksdk's order: the files the
/// <c>OS_CLIENT_CONFIG_FILE</c> and <c>OS_CLIENT_SECURE_FILE</c> variables name, then the current directory,
/// <c>$XDG_CONFIG_HOME/openstack</c>, <c>~/.config/openstack</c> and <c>/etc/openstack</c>.</summary>
internal static class CloudConfigFiles
{
    internal static readonly string[] FileSuffixes = [".yaml", ".yml", ".json"];

    internal static (List<string> Clouds, List<string> Secure) Candidates(IReadOnlyDictionary<string, string?> env, IReadOnlyList<string>? searchPaths)
    {
        var clouds = new List<string>();
        var secure = new List<string>();
        var dirs = new List<string>();
        if (searchPaths is not null)
        {
            foreach (var p in searchPaths)
            {
                if (NonEmpty(p) is null) continue;
                var full = Path.GetFullPath(ExpandHome(p, env)!);
                if (Directory.Exists(full))
                {
                    dirs.Add(full);
                    clouds.AddRange(FileSuffixes.Select(s => Path.Combine(full, "clouds" + s)));
                }
                else
                {
                    clouds.Add(full);
                    if (Path.GetDirectoryName(full) is { } dir) dirs.Add(dir);
                }
            }
        }
        else
        {
            if (NonEmpty(Lookup(env, "OS_CLIENT_CONFIG_FILE")) is { } configFile) clouds.Add(Path.GetFullPath(ExpandHome(configFile, env)!));
            // OS_CLIENT_SECURE_FILE is openstacksdk's name; OS_SECURE_FILE is kept for those who used it.
            if ((NonEmpty(Lookup(env, "OS_CLIENT_SECURE_FILE")) ?? NonEmpty(Lookup(env, "OS_SECURE_FILE"))) is { } secureFile)
                secure.Add(Path.GetFullPath(ExpandHome(secureFile, env)!));
            dirs.Add(Directory.GetCurrentDirectory());
            if (NonEmpty(Lookup(env, "XDG_CONFIG_HOME")) is { } xdg) dirs.Add(Path.Combine(xdg, "openstack"));
            if (Home(env) is { } home) dirs.Add(Path.Combine(home, ".config", "openstack"));
            if (OperatingSystem.IsWindows())
                dirs.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "OpenStack", "openstack"));
            else
                dirs.Add("/etc/openstack");
            dirs = dirs.Select(Path.GetFullPath).ToList();
            clouds.AddRange(dirs.SelectMany(d => FileSuffixes.Select(s => Path.Combine(d, "clouds" + s))));
        }
        secure.AddRange(dirs.SelectMany(d => FileSuffixes.Select(s => Path.Combine(d, "secure" + s))));
        return (clouds.Distinct().ToList(), secure.Distinct().ToList());
    }
}
