using Azure.Data.Tables;

namespace CanaryService.Storage.Tables;

/// <summary>
/// Stores a long string (typically JSON) across several string properties: one property holds at most 64 KiB
/// (32K UTF-16 characters), an entity up to 1 MiB. Parts are named <c>Name</c>, <c>Name_1</c>, <c>Name_2</c>…
/// </summary>
internal static class LargeStringProperty
{
    private const int ChunkLength = 30_000;
    private const int MaxChunks = 15;

    public static void Set(TableEntity entity, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(value);
        int chunks = Math.Max(1, (value.Length + ChunkLength - 1) / ChunkLength);
        if (chunks > MaxChunks)
        {
            throw new ArgumentException($"'{name}' is {value.Length} characters; at most {MaxChunks * ChunkLength} fit in a table row.", nameof(value));
        }

        for (int i = 0; i < chunks; i++)
        {
            int start = i * ChunkLength;
            entity[PartName(name, i)] = value.Substring(start, Math.Min(ChunkLength, value.Length - start));
        }
    }

    public static string? Get(TableEntity entity, string name)
    {
        ArgumentNullException.ThrowIfNull(entity);
        string? first = entity.GetString(name);
        if (first is null || first.Length < ChunkLength)
        {
            return first;
        }

        var builder = new System.Text.StringBuilder(first);
        for (int i = 1; i < MaxChunks && entity.GetString(PartName(name, i)) is { } part; i++)
        {
            builder.Append(part);
        }

        return builder.ToString();
    }

    private static string PartName(string name, int index) =>
        index == 0 ? name : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name}_{index}");
}
