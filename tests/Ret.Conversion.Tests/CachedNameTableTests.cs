using Ret.Conversion.Safety;

namespace Ret.Conversion.Tests;

public sealed class CachedNameTableTests
{
    [Fact]
    public void Returns_one_instance_per_name_whatever_buffer_it_comes_from()
    {
        var table = new CachedNameTable();
        var first = table.Add("xxOrderyy".ToCharArray(), 2, 5);
        var again = table.Add("Order".ToCharArray(), 0, 5);
        Assert.Equal("Order", first);
        Assert.Same(first, again);
        Assert.Same(first, table.Get("Order")); // the real table holds it too
        Assert.Same(table.Add("Order"), first);
    }

    [Fact]
    public void Names_sharing_a_cache_slot_stay_distinct_and_atomised()
    {
        // Same length, same first, middle and last character: the same slot of the cache.
        var table = new CachedNameTable();
        string[] names = ["aXbYc", "aQbZc", "aXbYc", "aWbWc", "aQbZc"];
        var atoms = names.Select(n => table.Add(n.ToCharArray(), 0, n.Length)).ToList();
        Assert.Equal(names, atoms);
        Assert.Same(atoms[0], atoms[2]);
        Assert.Same(atoms[1], atoms[4]);
        Assert.NotSame(atoms[0], atoms[1]);
    }

    [Fact]
    public void Empty_names_and_many_distinct_names_agree_with_the_plain_table()
    {
        var table = new CachedNameTable();
        Assert.Equal("", table.Add([], 0, 0));
        var names = Enumerable.Range(0, 5000).Select(i => "n" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var first = names.Select(n => table.Add(n.ToCharArray(), 0, n.Length)).ToList();
        var second = names.Select(n => table.Add(n.ToCharArray(), 0, n.Length)).ToList();
        Assert.Equal(names, first);
        Assert.All(first.Zip(second), p => Assert.Same(p.First, p.Second));
    }
}
