using System.Xml;

namespace Ret.Conversion.Safety;

/// <summary>
/// A <see cref="NameTable"/> with a small direct-mapped cache in front of it. <see cref="XmlReader"/> atomises every
/// element and attribute name it reads; <see cref="NameTable"/> hashes the whole name with a randomised (Marvin)
/// hash each time, which was ~10 % of a conversion's profile. Business XML repeats a few dozen names millions of
/// times, so a 256-slot cache keyed by the name's length and three of its characters answers almost every lookup
/// with one comparison. Misses — and any crafted set of colliding names — go to the real table, so atomisation (one
/// string instance per name) and the table's flooding resistance are unchanged.
/// </summary>
public sealed class CachedNameTable : NameTable
{
    private const int Slots = 256;
    private readonly string?[] _cache = new string?[Slots];

    public override string Add(char[] key, int start, int len)
    {
        if (len == 0)
        {
            return base.Add(key, start, len);
        }

        var name = key.AsSpan(start, len);
        var slot = Slot(name);
        var cached = _cache[slot];
        if (cached is not null && cached.Length == len && name.SequenceEqual(cached))
        {
            return cached;
        }

        var atom = base.Add(key, start, len);
        _cache[slot] = atom;
        return atom;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int Slot(ReadOnlySpan<char> name)
        => (name.Length * 31 + name[0] * 7 + name[^1] * 3 + name[name.Length >> 1]) & (Slots - 1);
}
