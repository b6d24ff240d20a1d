using System.Security.Cryptography;
using System.Text;
using OpenStack.Actors.ObjectStore;
using Xunit;

namespace OpenStack.Actors.Tests.ObjectStore;

/// <summary>The compact listing behind the upload's skip decision: lookups in Swift's byte order, sizes, MD5s, large objects.</summary>
public sealed class ListingIndexTests
{
    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void Every_listed_name_is_found_with_its_size_and_MD5_and_unlisted_ones_are_not()
    {
        // Listed in Swift's order (UTF-8 bytes): U+E000 sorts below a surrogate pair, unlike in UTF-16 order.
        string[] names = ["a", "a b", "a/b", "dir/file.txt", "z", "é", "\uE000", "😀"];
        var index = new ListingIndex(names.Length);
        for (var i = 0; i < names.Length; i++) Assert.True(index.Add(names[i], i + 1, Md5(names[i])));
        index.Seal();

        for (var i = 0; i < names.Length; i++)
        {
            var entry = index.Find(names[i]);
            Assert.True(entry >= 0, names[i]);
            Assert.Equal(i + 1, index.Size(entry));
            Assert.True(index.HasContentMd5(entry));
            Assert.True(index.Md5Is(entry, Md5(names[i])));
            Assert.True(index.Md5Is(entry, "\"" + Md5(names[i]).ToUpperInvariant() + "\""));   // an ETag header's form
            Assert.False(index.Md5Is(entry, Md5(names[i] + "!")));
        }
        foreach (var absent in new[] { "", "A", "a/", "dir/file.tx", "dir/file.txt ", "zz", "e", "\uE001" })
            Assert.Equal(-1, index.Find(absent));
        Assert.Equal(names.Length, index.Count);
    }

    [Fact]
    public void A_listing_out_of_byte_order_is_sorted_once_sealed()
    {
        var names = Enumerable.Range(0, 500).Select(i => $"f{i * 7919 % 500:D4}").ToArray();   // shuffled
        var index = new ListingIndex();
        foreach (var n in names) index.Add(n, int.Parse(n[1..], System.Globalization.CultureInfo.InvariantCulture), Md5(n));
        index.Seal();
        foreach (var n in names) Assert.Equal(int.Parse(n[1..], System.Globalization.CultureInfo.InvariantCulture), index.Size(index.Find(n)));
        Assert.Equal(-1, index.Find("f0500"));
    }

    [Fact]
    public void Large_objects_and_hashes_that_are_not_an_MD5_have_no_content_MD5()
    {
        var index = new ListingIndex();
        index.Add("dlo", 0, null);
        index.Add("not-hex", 4, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
        index.Add("plain", 4, Md5("abcd"));
        index.Add("short", 4, "abcd");
        index.Seal();
        Assert.False(index.HasContentMd5(index.Find("dlo")));
        Assert.False(index.Md5Is(index.Find("dlo"), Md5("")));
        Assert.False(index.HasContentMd5(index.Find("not-hex")));
        Assert.False(index.HasContentMd5(index.Find("short")));
        Assert.True(index.HasContentMd5(index.Find("plain")));
    }

    [Fact]
    public void Names_across_many_chunks_are_all_found_and_cost_their_bytes_not_an_object_each()
    {
        // 100,000 names of 30 bytes: several chunks, and past the room asked for at first.
        const int count = 100_000;
        var index = new ListingIndex(1000);
        for (var i = 0; i < count; i++) Assert.True(index.Add($"photos/2024/d{i / 1000:D4}/f{i:D9}.jpg", i, Md5("x")));
        index.Seal();
        for (var i = 0; i < count; i += 997) Assert.Equal(i, index.Size(index.Find($"photos/2024/d{i / 1000:D4}/f{i:D9}.jpg")));
        Assert.Equal(count - 1, index.Size(index.Find($"photos/2024/d0099/f{count - 1:D9}.jpg")));
        // The name's bytes, its place, size, MD5 and flag, with room for growth: far from a string and record per object.
        Assert.InRange(index.MemoryBytes, count * 30L, count * 100L);
    }

    [Fact]
    public void A_listing_of_a_few_names_costs_kilobytes_and_chunks_grow_with_the_names()
    {
        // A listing per directory makes many small indexes: each must cost its names, not a megabyte chunk.
        var small = new ListingIndex();
        for (var i = 0; i < 10; i++) small.Add($"dir/f{i}.txt", i, Md5("x"));
        small.Seal();
        Assert.InRange(small.MemoryBytes, 1, 64 * 1024);

        var grown = new ListingIndex();
        for (var i = 0; i < 50_000; i++) Assert.True(grown.Add($"d/{i:D8}-{new string('n', i % 200)}", i, null));
        grown.Seal();
        for (var i = 0; i < 50_000; i += 101) Assert.Equal(i, grown.Size(grown.Find($"d/{i:D8}-{new string('n', i % 200)}")));
    }

    [Fact]
    public void A_name_too_long_to_store_is_refused_and_a_lookup_of_it_finds_nothing()
    {
        var index = new ListingIndex();
        var tooLong = new string('n', ListingIndex.MaxNameBytes + 1);
        Assert.False(index.Add(tooLong, 1, Md5("x")));
        Assert.True(index.Add(new string('n', ListingIndex.MaxNameBytes), 2, Md5("x")));
        index.Seal();
        Assert.Equal(-1, index.Find(tooLong));
        Assert.Equal(2, index.Size(index.Find(new string('n', ListingIndex.MaxNameBytes))));
        Assert.Throws<InvalidOperationException>(() => index.Add("late", 1, null));
    }
}
