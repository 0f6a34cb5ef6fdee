using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CanaryService.Benchmarks.Interleaved;

/// <summary>
/// Every object, array and string reachable from some roots, so that a benchmark can read all their cache lines and
/// nothing of the code that uses them: with <c>EVICT_KB</c> and <c>PREPARE_B</c> the <c>interleaved</c> comparison then
/// splits a cold call's cost into what its data costs and what its code costs.
/// </summary>
internal sealed class ReachableMemory
{
    private readonly (object Data, int Bytes)[] _parts;

    private ReachableMemory((object Data, int Bytes)[] parts) => _parts = parts;

    public static ReachableMemory Empty { get; } = new([]);

    /// <summary>Walks the instance fields from <paramref name="roots"/> (by reflection, once).</summary>
    public static ReachableMemory Collect(params object[] roots)
    {
        var seen = new HashSet<object>(roots, ReferenceEqualityComparer.Instance);
        var pending = new Queue<object>(roots);
        var parts = new List<(object, int)>();
        while (pending.Count > 0)
        {
            object item = pending.Dequeue();
            switch (item)
            {
                case string text:
                    parts.Add((text, text.Length * sizeof(char)));
                    continue;
                case Array array:
                    Type element = array.GetType().GetElementType()!;
                    int size = element.IsValueType
                        ? (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(element).Invoke(null, null)!
                        : IntPtr.Size;
                    parts.Add((array, array.Length * size));
                    if (!element.IsValueType)
                    {
                        foreach (object? child in array)
                        {
                            Visit(child);
                        }
                    }

                    continue;
            }

            parts.Add((item, 64)); // objects here are small: their first line holds all or most of their fields
            for (Type? type = item.GetType(); type is not null; type = type.BaseType)
            {
                foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (!field.FieldType.IsPrimitive)
                    {
                        Visit(field.GetValue(item));
                    }
                }
            }
        }

        return new ReachableMemory([.. parts]);

        void Visit(object? child)
        {
            if (child is not null && child is not Type && !child.GetType().IsPrimitive && seen.Add(child))
            {
                pending.Enqueue(child);
            }
        }
    }

    /// <summary>Reads one byte of every 64 of everything collected.</summary>
    public int Touch()
    {
        int sum = 0;
        foreach ((object data, int bytes) in _parts)
        {
            ref byte start = ref StartOf(data);
            for (int offset = 0; offset < bytes; offset += 64)
            {
                sum += Unsafe.Add(ref start, offset);
            }
        }

        return sum;
    }

    private static ref byte StartOf(object data)
    {
        if (data is Array array)
        {
            return ref MemoryMarshal.GetArrayDataReference(array);
        }

        if (data is string text)
        {
            return ref Unsafe.As<char, byte>(ref MemoryMarshal.GetReference(text.AsSpan()));
        }

        return ref Unsafe.As<RawObject>(data).FirstByte;
    }

    private sealed class RawObject
    {
        public byte FirstByte;
    }
}
