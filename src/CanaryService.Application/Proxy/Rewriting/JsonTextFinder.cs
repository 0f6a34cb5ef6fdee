using System.Text.Json;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>A string a <see cref="JsonTextPath"/> matched: which path, where its token is (quotes included), the array positions on the way.</summary>
internal readonly record struct FoundText(int PathIndex, int Start, int Length, int[] Positions);

/// <summary>
/// Finds the strings that a set of <see cref="JsonTextPath"/>s point at, in one pass of <see cref="Utf8JsonReader"/>,
/// with their byte ranges, so a rewriter can replace exactly those strings and copy every other byte as it came.
/// It also reads the root object's integer properties that the set names (a streamed event's <c>output_index</c>...).
/// </summary>
/// <remarks>
/// A <c>type</c> may come after the text in its object, so every candidate is kept with the objects whose type it
/// depends on, and judged once the document is read. Names and types are compared as bytes against the set's
/// (<see cref="JsonTextPathSet"/>): no string per property, so a stream's every event can be scanned this way.
/// </remarks>
internal sealed class JsonTextFinder
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 128 };

    private readonly JsonTextPathSet? _set;
    private readonly List<int> _objectTypes = [];
    private readonly List<Container> _stack = [];
    private readonly List<Container> _trails = []; // the candidates' containers, one trail after the other
    private readonly List<Candidate> _candidates = [];

    /// <summary>A finder for one set of paths (<see cref="TryFind(ReadOnlySpan{byte}, List{FoundText})"/>).</summary>
    public JsonTextFinder(JsonTextPathSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        _set = set;
    }

    /// <summary>A finder given its set on each call (one finder for all the kinds of a stream's events).</summary>
    public JsonTextFinder()
    {
    }

    /// <summary>The root object's integer properties that the set names (by name).</summary>
    public Dictionary<string, int> RootIntegers { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads <paramref name="json"/> for the finder's set; false when it is not one well-formed JSON object (the caller passes it on as it is).</summary>
    public bool TryFind(ReadOnlySpan<byte> json, List<FoundText> found) =>
        TryFind(json, _set ?? throw new InvalidOperationException("This finder takes its set on each call."), found);

    /// <summary>Reads <paramref name="json"/> for <paramref name="set"/>; false when it is not one well-formed JSON object (the caller passes it on as it is).</summary>
    public bool TryFind(ReadOnlySpan<byte> json, JsonTextPathSet set, List<FoundText> found)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(found);
        found.Clear();
        _objectTypes.Clear();
        _stack.Clear();
        _trails.Clear();
        _candidates.Clear();
        RootIntegers.Clear();
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            _objectTypes.Add(JsonTextPathSet.Other);
            _stack.Add(new Container(JsonTextPathSet.Other, -1, 0, IsArray: false));
            int property = JsonTextPathSet.Other;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = set.NameId(ref reader);
                        continue;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        Open(reader.TokenType == JsonTokenType.StartArray, property);
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        _stack.RemoveAt(_stack.Count - 1);
                        break;
                    case JsonTokenType.String:
                        OnString(ref reader, set, property);
                        break;
                    case JsonTokenType.Number when _stack.Count == 1 && set.IsRootInteger(property) && reader.TryGetInt32(out int number):
                        RootIntegers[set.NameOf(property)] = number;
                        break;
                }

                if (_stack.Count > 0 && _stack[^1].IsArray)
                {
                    _stack[^1] = _stack[^1] with { Next = _stack[^1].Next + (IsValueEnd(reader.TokenType) ? 1 : 0) };
                }

                property = JsonTextPathSet.Other;
                if (_stack.Count == 0)
                {
                    break;
                }
            }

            if (_stack.Count != 0 || reader.Read())
            {
                return false;
            }
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            return false;
        }

        foreach (Candidate candidate in _candidates)
        {
            if (TypesMatch(set.Paths[candidate.PathIndex].Steps, set.StepTypes[candidate.PathIndex], candidate))
            {
                found.Add(new FoundText(candidate.PathIndex, candidate.Start, candidate.Length, Positions(candidate)));
            }
        }

        return true;
    }

    /// <summary>A value that was just completed inside an array (a scalar, or the end of a nested container) moves the array on.</summary>
    private static bool IsValueEnd(JsonTokenType token) => token is not (JsonTokenType.StartObject or JsonTokenType.StartArray or JsonTokenType.PropertyName);

    private void Open(bool isArray, int property)
    {
        Container parent = _stack[^1];

        // An element of an array is known by its position there; the parent's position counter moves on when it closes.
        int position = parent.IsArray ? parent.Next : -1;
        int objectId = -1;
        if (!isArray)
        {
            objectId = _objectTypes.Count;
            _objectTypes.Add(JsonTextPathSet.Other);
        }

        _stack.Add(new Container(parent.IsArray ? JsonTextPathSet.Other : property, position, objectId, isArray));
    }

    private void OnString(ref Utf8JsonReader reader, JsonTextPathSet set, int property)
    {
        Container current = _stack[^1];
        if (property == JsonTextPathSet.Other || current.IsArray)
        {
            return;
        }

        if (property == JsonTextPathSet.TypeName)
        {
            _objectTypes[current.ObjectId] = set.TypeId(ref reader);
            return;
        }

        int[] leaves = set.Leaves;
        for (int i = 0; i < leaves.Length; i++)
        {
            if (property == leaves[i] && ShapeMatches(set.StepNames[i], set.Paths[i]))
            {
                _candidates.Add(new Candidate(i, (int)reader.TokenStartIndex, reader.ValueSpan.Length + 2, _trails.Count, _stack.Count));
                _trails.AddRange(_stack);
            }
        }
    }

    /// <summary>The containers from the root match the path's steps by name and by kind (types are judged later).</summary>
    private bool ShapeMatches(int[] stepNames, JsonTextPath path)
    {
        // The root, then per step: the container under the step's name, and for an elements step one element of it.
        JsonTextPath.Step[] steps = path.Steps;
        int expected = 1;
        foreach (JsonTextPath.Step step in steps)
        {
            expected += step.Elements ? 2 : 1;
        }

        if (_stack.Count != expected)
        {
            return false;
        }

        int at = 1;
        for (int s = 0; s < steps.Length; s++)
        {
            Container named = _stack[at++];
            if (named.Name != stepNames[s])
            {
                return false;
            }

            if (steps[s].Elements)
            {
                if (!named.IsArray || _stack[at++].IsArray)
                {
                    return false;
                }
            }
            else if (named.IsArray)
            {
                return false;
            }
        }

        return true;
    }

    private bool TypesMatch(JsonTextPath.Step[] steps, int[] stepTypes, Candidate candidate)
    {
        int at = candidate.TrailStart + 1;
        for (int s = 0; s < steps.Length; s++)
        {
            Container holder = steps[s].Elements ? _trails[at + 1] : _trails[at];
            at += steps[s].Elements ? 2 : 1;
            if (stepTypes[s] != JsonTextPathSet.Other && _objectTypes[holder.ObjectId] != stepTypes[s])
            {
                return false;
            }
        }

        return true;
    }

    private int[] Positions(Candidate candidate)
    {
        int count = 0;
        for (int i = candidate.TrailStart; i < candidate.TrailStart + candidate.TrailLength; i++)
        {
            count += _trails[i].Position >= 0 ? 1 : 0;
        }

        if (count == 0)
        {
            return [];
        }

        int[] positions = new int[count];
        int at = 0;
        for (int i = candidate.TrailStart; i < candidate.TrailStart + candidate.TrailLength; i++)
        {
            if (_trails[i].Position >= 0)
            {
                positions[at++] = _trails[i].Position;
            }
        }

        return positions;
    }

    /// <summary>A string whose name and containers fit a path, its objects' types still to judge: where its trail is in <see cref="_trails"/>.</summary>
    private readonly record struct Candidate(int PathIndex, int Start, int Length, int TrailStart, int TrailLength);

    /// <summary>An open object or array: the id of the property it sits under (Other for an array element), its position in its array, its object id.</summary>
    private readonly record struct Container(int Name, int Position, int ObjectId, bool IsArray, int Next = 0);
}
