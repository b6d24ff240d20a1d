using System.Runtime.InteropServices;

namespace OpenStack.Actors.ObjectStore;

/// <summary>What the directory walk found at one path.</summary>
public abstract record LocalEntry(string Path, string ObjectName);

/// <summary>A regular file (or a symbolic link to one) to upload.</summary>
/// <param name="Path">The file's path.</param>
/// <param name="ObjectName">Its object name: the path relative to the root with <c>/</c> separators, after the prefix.</param>
/// <param name="Length">Its size when it was found.</param>
/// <param name="LastWriteTimeUtc">Its modification time when it was found.</param>
public sealed record LocalFile(string Path, string ObjectName, long Length, DateTime LastWriteTimeUtc) : LocalEntry(Path, ObjectName);

/// <summary>A path that cannot be uploaded (unreadable directory, dangling link...): reported, and the walk goes on.</summary>
public sealed record LocalProblem(string Path, string ObjectName, string Reason) : LocalEntry(Path, ObjectName);

/// <summary>A path left out on purpose (a symbolic link to a directory is not followed, so links cannot loop).</summary>
public sealed record LocalIgnored(string Path, string ObjectName, string Reason) : LocalEntry(Path, ObjectName);

/// <summary>The lazy directory walk of an upload: it holds one open directory enumerator per level of depth, never a list of names.</summary>
public static class LocalFiles
{
    private static readonly EnumerationOptions OneLevel = new()
    {
        RecurseSubdirectories = false,
        IgnoreInaccessible = false,
        AttributesToSkip = 0,          // hidden files are data too
        ReturnSpecialDirectories = false,
    };

    /// <summary>Walks <paramref name="root"/> depth-first, lazily, yielding every file below it.</summary>
    /// <param name="root">The directory.</param>
    /// <param name="prefix">Put before every object name (a pseudo-directory), or null.</param>
    /// <exception cref="DirectoryNotFoundException">The root is not a directory (thrown on the first MoveNext).</exception>
    public static IEnumerable<LocalEntry> Walk(string root, string? prefix = null) => Walk(root, prefix, null);

    /// <summary>Walks <paramref name="root"/> depth-first, lazily, yielding every file below it that the filter takes.</summary>
    /// <param name="root">The directory.</param>
    /// <param name="prefix">Put before every object name (a pseudo-directory), or null.</param>
    /// <param name="filter">Which files to take (their paths below the root are matched), or null for all. A file the
    /// rules leave out is not looked at (no stat), and a directory nothing below which can be taken is not listed.</param>
    /// <exception cref="DirectoryNotFoundException">The root is not a directory (thrown on the first MoveNext).</exception>
    public static IEnumerable<LocalEntry> Walk(string root, string? prefix, TransferFilter? filter)
    {
        if (filter is { IsEverything: true }) filter = null;
        var rootInfo = new DirectoryInfo(System.IO.Path.GetFullPath(root));
        if (!rootInfo.Exists) throw new DirectoryNotFoundException($"'{root}' is not a directory");
        var stack = new Stack<(DirectoryInfo Dir, IEnumerator<FileSystemInfo> Entries)>();
        IEnumerator<FileSystemInfo>? rootEntries = null;
        LocalEntry? rootProblem = null;
        try
        {
            rootEntries = rootInfo.EnumerateFileSystemInfos("*", OneLevel).GetEnumerator();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            rootProblem = new LocalProblem(rootInfo.FullName, SwiftNames.JoinPrefix(prefix, ""), "cannot list the directory: " + e.Message);
        }
        if (rootProblem is not null)
        {
            yield return rootProblem;
            yield break;
        }
        stack.Push((rootInfo, rootEntries!));
        try
        {
            while (stack.Count > 0)
            {
                var (dir, entries) = stack.Peek();
                FileSystemInfo? entry = null;
                LocalEntry? problem = null;
                try
                {
                    if (entries.MoveNext()) entry = entries.Current;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    problem = new LocalProblem(dir.FullName, SwiftNames.ObjectNameFor(rootInfo.FullName, dir.FullName, prefix), "cannot list the directory: " + e.Message);
                }
                if (entry is null)
                {
                    stack.Pop().Entries.Dispose();
                    if (problem is not null) yield return problem;
                    continue;
                }

                var relative = SwiftNames.ObjectNameFor(rootInfo.FullName, entry.FullName, null);
                var name = SwiftNames.JoinPrefix(prefix, relative);
                var isDirectory = entry is DirectoryInfo;
                if (filter is not null && !(isDirectory ? filter.MayIncludeBelow(relative) : filter.IncludesPath(relative))) continue;
                if (entry.Name.Contains('\uFFFD') && !entry.Exists)
                {
                    // The name's bytes are not UTF-8: .NET decoded them lossily, so no path (and no object name) reaches it.
                    yield return new LocalProblem(entry.FullName, name,
                        "the file name is not valid UTF-8, so it cannot become a Swift object name (rename it, e.g. with convmv)");
                    continue;
                }
                if (entry is DirectoryInfo sub)
                {
                    if (sub.LinkTarget is not null)
                    {
                        yield return new LocalIgnored(sub.FullName, name, $"symbolic link to a directory ({sub.LinkTarget}), not followed");
                        continue;
                    }
                    IEnumerator<FileSystemInfo>? subEntries = null;
                    try
                    {
                        subEntries = sub.EnumerateFileSystemInfos("*", OneLevel).GetEnumerator();
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        problem = new LocalProblem(sub.FullName, name, "cannot list the directory: " + e.Message);
                    }
                    if (problem is not null) yield return problem;
                    else stack.Push((sub, subEntries!));
                    continue;
                }
                var described = Describe((FileInfo)entry, name);
                if (filter is not null && described is LocalFile f && !filter.WithinLimits(f.Length, new DateTimeOffset(f.LastWriteTimeUtc))) continue;
                yield return described;
            }
        }
        finally
        {
            while (stack.Count > 0) stack.Pop().Entries.Dispose();
        }
    }

    /// <summary>The walk of one file: the file under <paramref name="objectName"/>, or nothing when the filter leaves it out
    /// (its name is matched as a path below the root would be).</summary>
    /// <param name="path">The file.</param>
    /// <param name="objectName">Its object name.</param>
    /// <param name="filter">Which files to take, or null for all.</param>
    public static IEnumerable<LocalEntry> One(string path, string objectName, TransferFilter? filter)
    {
        var file = new FileInfo(System.IO.Path.GetFullPath(path));
        if (filter is { IsEverything: true }) filter = null;
        if (filter is not null && !filter.IncludesPath(file.Name)) yield break;
        var described = Describe(file, objectName);
        if (filter is not null && described is LocalFile f && !filter.WithinLimits(f.Length, new DateTimeOffset(f.LastWriteTimeUtc))) yield break;
        yield return described;
    }

    /// <summary>Counts the entries (files, and paths that will be reported) and bytes below <paramref name="root"/>
    /// with the same walk, for a progress total.</summary>
    public static (long Files, long Bytes) Count(string root, CancellationToken cancellationToken = default) => Count(root, null, cancellationToken);

    /// <summary>Counts the entries and bytes below <paramref name="root"/> (or of the one file it names) that the same
    /// walk with <paramref name="filter"/> yields, for a progress total.</summary>
    public static (long Files, long Bytes) Count(string root, TransferFilter? filter, CancellationToken cancellationToken = default)
    {
        long files = 0, bytes = 0;
        var entries = File.Exists(root) ? One(root, System.IO.Path.GetFileName(root), filter) : Walk(root, null, filter);
        foreach (var e in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            files++;
            if (e is LocalFile f) bytes += f.Length;
        }
        return (files, bytes);
    }

    private static LocalEntry Describe(FileInfo file, string name)
    {
        try
        {
            var target = file;
            if (file.LinkTarget is not null)
            {
                // A link to a file is uploaded as the file it points to.
                var resolved = file.ResolveLinkTarget(returnFinalTarget: true);
                if (resolved is null || !resolved.Exists)
                    return new LocalProblem(file.FullName, name, $"cannot read: dangling symbolic link to '{file.LinkTarget}'");
                if (resolved is DirectoryInfo)
                    return new LocalIgnored(file.FullName, name, $"symbolic link to a directory ({file.LinkTarget}), not followed");
                target = (FileInfo)resolved;
            }
            if (!FileKind.IsRegularFile(target.FullName))
                return new LocalProblem(file.FullName, name, "not a regular file (a FIFO, socket or device cannot be uploaded)");
            return new LocalFile(file.FullName, name, target.Length, target.LastWriteTimeUtc);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new LocalProblem(file.FullName, name, "cannot read: " + e.Message);
        }
    }
}

/// <summary>Tells regular files from FIFOs, sockets and devices, which .NET reports alike and whose open can block forever.</summary>
internal static class FileKind
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;   // struct statx: stx_mask, stx_blksize (u32), stx_attributes (u64), stx_nlink, stx_uid, stx_gid (u32), stx_mode (u16)
    private const int FileTypeMask = 0xF000;
    private const int RegularFile = 0x8000;
    private static bool _unavailable;

    /// <summary>True for a regular file (following links); also true where the kind cannot be determined.</summary>
    internal static bool IsRegularFile(string path)
    {
        if (!OperatingSystem.IsLinux() || _unavailable) return true;
        var buffer = new byte[256];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxType, buffer) != 0) return true;   // let the open report the error
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _unavailable = true;
            return true;
        }
        var mode = BitConverter.ToUInt16(buffer, ModeOffset);
        return (mode & FileTypeMask) == RegularFile;
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}
