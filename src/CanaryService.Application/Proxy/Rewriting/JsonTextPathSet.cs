using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// A set of <see cref="JsonTextPath"/>s prepared once for <see cref="JsonTextFinder"/>: every property name and object
/// type they mention, numbered, in UTF-8, so a scan compares the bytes it reads instead of making a string of each.
/// Immutable, so one set serves every finder (a rule's set is built with the rule).
/// </summary>
internal sealed class JsonTextPathSet
{
    /// <summary>The id of the name <c>type</c>.</summary>
    internal const int TypeName = 0;

    /// <summary>An id for a name or type the set does not mention.</summary>
    internal const int Other = -1;

    private static readonly ConditionalWeakTable<object, JsonTextPathSet> BuiltSets = new();

    private readonly string[] _names;
    private readonly byte[][] _nameBytes;
    private readonly string[] _types;
    private readonly byte[][] _typeBytes;
    private readonly bool[] _rootIntegers;

    /// <param name="paths">The paths, in the order a <see cref="FoundText.PathIndex"/> counts them.</param>
    /// <param name="rootIntegerNames">The root's integer properties to read (an event's <c>output_index</c>...).</param>
    public JsonTextPathSet(IReadOnlyList<JsonTextPath> paths, IReadOnlyCollection<string>? rootIntegerNames = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        Paths = [.. paths];
        var names = new List<string> { "type" };
        var types = new List<string>();
        StepNames = new int[Paths.Length][];
        StepTypes = new int[Paths.Length][];
        Leaves = new int[Paths.Length];
        for (int p = 0; p < Paths.Length; p++)
        {
            JsonTextPath path = Paths[p];
            StepNames[p] = [.. path.Steps.Select(s => IdOf(names, s.Name))];
            StepTypes[p] = [.. path.Steps.Select(s => s.Type is null ? Other : IdOf(types, s.Type))];
            Leaves[p] = IdOf(names, path.Leaf);
        }

        foreach (string name in rootIntegerNames ?? [])
        {
            IdOf(names, name);
        }

        _names = [.. names];
        _nameBytes = [.. names.Select(Encoding.UTF8.GetBytes)];
        _types = [.. types];
        _typeBytes = [.. types.Select(Encoding.UTF8.GetBytes)];
        _rootIntegers = [.. names.Select(n => rootIntegerNames?.Contains(n) == true)];
    }

    /// <summary>The paths.</summary>
    public JsonTextPath[] Paths { get; }

    /// <summary>Per path, the name id of each step.</summary>
    internal int[][] StepNames { get; }

    /// <summary>Per path, the type id each step's object(s) must have (<see cref="Other"/>: any).</summary>
    internal int[][] StepTypes { get; }

    /// <summary>Per path, the name id of the property that holds the string.</summary>
    internal int[] Leaves { get; }

    /// <summary>
    /// The set for the paths of <paramref name="rules"/>, reading the root integers their slots are numbered by: built
    /// once per list of rules (they are the code's constants), so a rewriter made per request does not build it again.
    /// </summary>
    public static JsonTextPathSet Of(IReadOnlyList<TextRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return BuiltSets.GetValue(rules, static r => Build((IReadOnlyList<TextRule>)r));
    }

    private static JsonTextPathSet Build(IReadOnlyList<TextRule> rules)
    {
        string[] rootIntegers = [.. rules.SelectMany(static r => new[] { r.OutputIndex, r.PartIndex })
            .Where(static s => !s.StartsWith('#')).Distinct(StringComparer.Ordinal)];
        return new JsonTextPathSet([.. rules.Select(static r => r.Path)], rootIntegers);
    }

    /// <summary>The name of an id.</summary>
    internal string NameOf(int id) => _names[id];

    /// <summary>True when the root integer property of name <paramref name="id"/> is read.</summary>
    internal bool IsRootInteger(int id) => id >= 0 && _rootIntegers[id];

    /// <summary>The id of the property name the reader is on, or <see cref="Other"/>.</summary>
    internal int NameId(ref Utf8JsonReader reader) => Find(ref reader, _names, _nameBytes);

    /// <summary>The id of the string value the reader is on as an object type, or <see cref="Other"/>.</summary>
    internal int TypeId(ref Utf8JsonReader reader) => Find(ref reader, _types, _typeBytes);

    /// <summary>
    /// Compares the token's bytes with each known one. The token must read as a string, as it did when every name was
    /// one: invalid UTF-8 throws <see cref="InvalidOperationException"/>, as <see cref="Utf8JsonReader.GetString"/> does.
    /// </summary>
    private static int Find(ref Utf8JsonReader reader, string[] strings, byte[][] bytes)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            // Rare: the reader unescapes (and judges) it as before.
            string value = reader.GetString()!;
            return Array.IndexOf(strings, value);
        }

        ReadOnlySpan<byte> span = reader.ValueSpan;
        if (!Utf8.IsValid(span))
        {
            throw new InvalidOperationException("A name or type that is not UTF-8.");
        }

        for (int i = 0; i < bytes.Length; i++)
        {
            if (span.SequenceEqual(bytes[i]))
            {
                return i;
            }
        }

        return Other;
    }

    private static int IdOf(List<string> table, string value)
    {
        int id = table.IndexOf(value);
        if (id < 0)
        {
            id = table.Count;
            table.Add(value);
        }

        return id;
    }
}
