using System.Diagnostics;
using OpenStack.Actors.ObjectStore;
using Xunit;

namespace OpenStack.Actors.Tests.ObjectStore;

public sealed class LocalFilesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("walk-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Write(string relative, int bytes = 3)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[bytes]);
        return path;
    }

    [Fact]
    public void Every_file_below_the_root_is_found_with_its_object_name_and_size()
    {
        Write("top.txt", 1);
        Write("a/b/c d.bin", 10);
        Write("a/+&=.txt", 2);
        Write(".hidden/x", 5);
        Directory.CreateDirectory(Path.Combine(_root, "empty"));

        var found = LocalFiles.Walk(_root, "pre").ToList();

        Assert.All(found, e => Assert.IsType<LocalFile>(e));
        Assert.Equal(["pre/.hidden/x", "pre/a/+&=.txt", "pre/a/b/c d.bin", "pre/top.txt"], found.Select(e => e.ObjectName).Order(StringComparer.Ordinal));
        Assert.Equal(10, found.OfType<LocalFile>().Single(f => f.ObjectName.EndsWith("c d.bin")).Length);
    }

    [Fact]
    public void One_file_is_a_walk_of_one_under_the_name_given_and_the_filter_matches_its_file_name()
    {
        var path = Write("dir/report.pdf", 7);

        var one = Assert.IsType<LocalFile>(Assert.Single(LocalFiles.One(path, "docs/q1.pdf", null)));
        Assert.Equal(("docs/q1.pdf", 7L, path), (one.ObjectName, one.Length, one.Path));
        Assert.Equal((1L, 7L), LocalFiles.Count(path));

        var pdfs = TransferFilter.Create(new TransferFilterOptions { Include = ["*.pdf"] });
        var texts = TransferFilter.Create(new TransferFilterOptions { Include = ["*.txt"] });
        var small = TransferFilter.Create(new TransferFilterOptions { MaxSize = 6 });
        Assert.Single(LocalFiles.One(path, "x", pdfs));
        Assert.Empty(LocalFiles.One(path, "x", texts));
        Assert.Empty(LocalFiles.One(path, "x", small));
        Assert.Equal((0L, 0L), LocalFiles.Count(path, texts));
    }

    [Fact]
    public void A_file_name_that_is_not_UTF8_is_a_problem_that_says_so_and_the_walk_goes_on()
    {
        Write("ok.txt");
        // .NET cannot spell such a name (nor delete it): the bytes go through Python, both ways.
        Python("import os, sys; open(os.path.join(os.fsencode(sys.argv[1]), b'bad\\xff.txt'), 'wb').write(b'x')");
        try
        {
            var found = LocalFiles.Walk(_root).ToList();

            var problem = Assert.Single(found.OfType<LocalProblem>());
            Assert.Contains("not valid UTF-8", problem.Reason);
            Assert.Contains("cannot become a Swift object name", problem.Reason);
            Assert.Equal("ok.txt", Assert.Single(found.OfType<LocalFile>()).ObjectName);
        }
        finally
        {
            Python("import os, sys; os.remove(os.path.join(os.fsencode(sys.argv[1]), b'bad\\xff.txt'))");
        }
    }

    private void Python(string script)
    {
        using var p = Process.Start(new ProcessStartInfo("/usr/bin/python3") { ArgumentList = { "-c", script, _root } })!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    [Fact]
    public void A_dangling_link_is_a_problem_and_the_walk_goes_on()
    {
        Write("ok.txt");
        File.CreateSymbolicLink(Path.Combine(_root, "dangling"), "/nonexistent/target");

        var found = LocalFiles.Walk(_root).ToList();

        var problem = Assert.Single(found.OfType<LocalProblem>());
        Assert.Equal("dangling", problem.ObjectName);
        Assert.Contains("dangling symbolic link", problem.Reason);
        Assert.Single(found.OfType<LocalFile>());
    }

    [Fact]
    public void A_link_to_a_file_is_uploaded_as_the_file_and_a_link_to_a_directory_is_not_followed()
    {
        var target = Write("real/data.bin", 42);
        File.CreateSymbolicLink(Path.Combine(_root, "link.bin"), target);
        Directory.CreateSymbolicLink(Path.Combine(_root, "loop"), _root);

        var found = LocalFiles.Walk(_root).ToList();

        var link = found.OfType<LocalFile>().Single(f => f.ObjectName == "link.bin");
        Assert.Equal(42, link.Length);
        var ignored = Assert.Single(found.OfType<LocalIgnored>());
        Assert.Equal("loop", ignored.ObjectName);
        Assert.Equal(2, found.OfType<LocalFile>().Count());
    }

    [Fact]
    public void A_fifo_is_reported_instead_of_blocking_the_upload()
    {
        if (!OperatingSystem.IsLinux()) return;
        Write("ok.txt");
        var fifo = Path.Combine(_root, "pipe");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();

        var found = LocalFiles.Walk(_root).ToList();

        var problem = Assert.Single(found.OfType<LocalProblem>());
        Assert.Equal("pipe", problem.ObjectName);
        Assert.Contains("not a regular file", problem.Reason);
    }

    [Fact]
    public void A_missing_root_is_an_error()
    {
        Assert.Throws<DirectoryNotFoundException>(() => LocalFiles.Walk(Path.Combine(_root, "nope")).ToList());
    }
}
