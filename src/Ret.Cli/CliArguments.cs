namespace Ret.Cli;

/// <summary>
/// Minimal POSIX-style parser: positional arguments, <c>--name value</c>, <c>--name=value</c>, <c>-o value</c>,
/// repeatable options and boolean flags. Unknown options are errors.
/// </summary>
internal sealed class CliArguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    /// <summary>Parses <paramref name="args"/>; <paramref name="valued"/> and <paramref name="flags"/> list the accepted options (long names, aliases as "-o=--output").</summary>
    public static CliArguments Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> valued, IReadOnlyCollection<string> flags, IReadOnlyDictionary<string, string>? aliases = null)
    {
        var result = new CliArguments();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                result.Positional.AddRange(args.Skip(i + 1));
                break;
            }
            if (!arg.StartsWith('-') || arg == "-")
            {
                result.Positional.Add(arg);
                continue;
            }
            string name = arg;
            string? inline = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                name = arg[..eq];
                inline = arg[(eq + 1)..];
            }
            if (aliases is not null && aliases.TryGetValue(name, out var full)) name = full;

            if (flags.Contains(name))
            {
                if (inline is not null) throw new CliUsageException($"Option {name} takes no value.");
                result._flags.Add(name);
            }
            else if (valued.Contains(name))
            {
                var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new CliUsageException($"Option {name} needs a value."));
                if (!result._values.TryGetValue(name, out var list)) result._values[name] = list = [];
                list.Add(value);
            }
            else
            {
                throw new CliUsageException($"Unknown option {arg}.");
            }
        }
        return result;
    }

    public bool Has(string flag) => _flags.Contains(flag);

    public string? Value(string name) => _values.TryGetValue(name, out var list) ? list[^1] : null;

    public IReadOnlyList<string> Values(string name) => _values.TryGetValue(name, out var list) ? list : [];
}

/// <summary>A command line that cannot be understood (exit code 2).</summary>
internal sealed class CliUsageException(string message) : Exception(message);
