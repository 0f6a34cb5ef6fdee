using System.Text.Json;

namespace CanaryService.Api.Proxy.Rewriting;

/// <summary>A string a <see cref="JsonTextPath"/> matched: which path, where its token is (quotes included), the array positions on the way.</summary>
internal readonly record struct FoundText(int PathIndex, int Start, int Length, int[] Positions);

/// <summary>
/// Finds the strings that a set of <see cref="JsonTextPath"/>s point at, in one pass of <see cref="Utf8JsonReader"/>,
/// with their byte ranges, so a rewriter can replace exactly those strings and copy every other byte as it came.
/// It also reads the root object's <c>type</c> and integer properties (a streamed event's <c>output_index</c>...).
/// </summary>
/// <remarks>
/// A <c>type</c> may come after the text in its object, so every candidate is kept with the objects whose type it
/// depends on, and judged once the document is read.
/// </remarks>
internal sealed class JsonTextFinder
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 128 };

    private readonly JsonTextPath[] _paths;
    private readonly List<string?> _objectTypes = [];
    private readonly List<Container> _stack = [];
    private readonly List<(int PathIndex, int Start, int Length, Container[] Trail)> _candidates = [];

    public JsonTextFinder(IReadOnlyList<JsonTextPath> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        _paths = [.. paths];
    }

    /// <summary>The root object's <c>type</c>, when it is a string.</summary>
    public string? RootType { get; private set; }

    /// <summary>The root object's integer properties (by name).</summary>
    public Dictionary<string, int> RootIntegers { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads <paramref name="json"/>; false when it is not one well-formed JSON object (the caller passes it on as it is).</summary>
    public bool TryFind(ReadOnlySpan<byte> json, List<FoundText> found)
    {
        ArgumentNullException.ThrowIfNull(found);
        found.Clear();
        _objectTypes.Clear();
        _stack.Clear();
        _candidates.Clear();
        RootType = null;
        RootIntegers.Clear();
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            _objectTypes.Add(null);
            _stack.Add(new Container(null, -1, 0, IsArray: false));
            string? property = null;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.GetString();
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
                        OnString(ref reader, property);
                        break;
                    case JsonTokenType.Number when _stack.Count == 1 && property is not null && reader.TryGetInt32(out int number):
                        RootIntegers[property] = number;
                        break;
                }

                if (_stack.Count > 0 && _stack[^1].IsArray)
                {
                    _stack[^1] = _stack[^1] with { Next = _stack[^1].Next + (IsValueEnd(reader.TokenType) ? 1 : 0) };
                }

                property = null;
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

        RootType = _objectTypes[0];
        foreach ((int pathIndex, int start, int length, Container[] trail) in _candidates)
        {
            if (TypesMatch(_paths[pathIndex], trail))
            {
                found.Add(new FoundText(pathIndex, start, length, Positions(trail)));
            }
        }

        return true;
    }

    /// <summary>A value that was just completed inside an array (a scalar, or the end of a nested container) moves the array on.</summary>
    private static bool IsValueEnd(JsonTokenType token) => token is not (JsonTokenType.StartObject or JsonTokenType.StartArray or JsonTokenType.PropertyName);

    private void Open(bool isArray, string? property)
    {
        Container parent = _stack[^1];

        // An element of an array is known by its position there; the parent's position counter moves on when it closes.
        int position = parent.IsArray ? parent.Next : -1;
        int objectId = -1;
        if (!isArray)
        {
            objectId = _objectTypes.Count;
            _objectTypes.Add(null);
        }

        _stack.Add(new Container(parent.IsArray ? null : property, position, objectId, isArray));
    }

    private void OnString(ref Utf8JsonReader reader, string? property)
    {
        Container current = _stack[^1];
        if (property is null || current.IsArray)
        {
            return;
        }

        if (property == "type")
        {
            _objectTypes[current.ObjectId] = reader.GetString();
            return;
        }

        for (int i = 0; i < _paths.Length; i++)
        {
            JsonTextPath path = _paths[i];
            if (string.Equals(property, path.Leaf, StringComparison.Ordinal) && ShapeMatches(path))
            {
                _candidates.Add((i, (int)reader.TokenStartIndex, reader.ValueSpan.Length + 2, [.. _stack]));
            }
        }
    }

    /// <summary>The containers from the root match the path's steps by name and by kind (types are judged later).</summary>
    private bool ShapeMatches(JsonTextPath path)
    {
        // The root, then per step: the container under the step's name, and for an elements step one element of it.
        int expected = 1;
        foreach (JsonTextPath.Step step in path.Steps)
        {
            expected += step.Elements ? 2 : 1;
        }

        if (_stack.Count != expected)
        {
            return false;
        }

        int at = 1;
        foreach (JsonTextPath.Step step in path.Steps)
        {
            Container named = _stack[at++];
            if (!string.Equals(named.Name, step.Name, StringComparison.Ordinal))
            {
                return false;
            }

            if (step.Elements)
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

    private bool TypesMatch(JsonTextPath path, Container[] trail)
    {
        int at = 1;
        foreach (JsonTextPath.Step step in path.Steps)
        {
            Container holder = step.Elements ? trail[at + 1] : trail[at];
            at += step.Elements ? 2 : 1;
            if (step.Type is not null && !string.Equals(_objectTypes[holder.ObjectId], step.Type, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static int[] Positions(Container[] trail)
    {
        int count = 0;
        foreach (Container container in trail)
        {
            count += container.Position >= 0 ? 1 : 0;
        }

        int[] positions = new int[count];
        int at = 0;
        foreach (Container container in trail)
        {
            if (container.Position >= 0)
            {
                positions[at++] = container.Position;
            }
        }

        return positions;
    }

    /// <summary>An open object or array: the property it sits under (null for an array element), its position in its array, its object id.</summary>
    private readonly record struct Container(string? Name, int Position, int ObjectId, bool IsArray, int Next = 0);
}
