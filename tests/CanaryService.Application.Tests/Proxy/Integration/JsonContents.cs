using System.Text;
using System.Text.Json;

namespace CanaryService.Application.Tests.Proxy.Integration;

/// <summary>Separates a chat completion's <c>content</c> values from the rest of its bytes, so each part can be compared on its own.</summary>
internal static class JsonContents
{
    /// <summary>
    /// The JSON with every <c>content</c> value replaced by <c>0</c> (the rest byte for byte as it was), and the decoded
    /// values in order (null for a JSON null).
    /// </summary>
    public static (string Skeleton, List<string?> Contents) CutOut(string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes);
        var skeleton = new List<byte>(bytes.Length);
        var contents = new List<string?>();
        int copied = 0;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("content"u8))
            {
                continue;
            }

            reader.Read();
            int start = (int)reader.TokenStartIndex;
            int end = (int)reader.BytesConsumed;
            contents.Add(reader.TokenType == JsonTokenType.Null ? null : reader.GetString());
            skeleton.AddRange(bytes.AsSpan(copied, start - copied));
            skeleton.Add((byte)'0');
            copied = end;
        }

        skeleton.AddRange(bytes.AsSpan(copied));
        return (Encoding.UTF8.GetString([.. skeleton]), contents);
    }
}
