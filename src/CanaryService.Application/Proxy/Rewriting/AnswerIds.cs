using System.Text.Json;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>Reads the provider's id of an answer from its JSON: what a stored answer is fetched again by.</summary>
internal static class AnswerIds
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    /// <summary>
    /// The top-level <c>id</c> of a JSON object (a chat completion, a response, a chat completion chunk), or the
    /// <c>id</c> of its top-level <c>response</c> object (a Responses stream event such as <c>response.created</c>);
    /// null when there is no such string or the text is not a JSON object.
    /// </summary>
    public static string? Find(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject ? FindInObject(ref reader, lookInResponse: true) : null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null; // a string that cannot be decoded (a lone surrogate escape)
        }
    }

    /// <summary>Reads the members of the object whose start the reader is on, up to the id.</summary>
    private static string? FindInObject(ref Utf8JsonReader reader, bool lookInResponse)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool id = reader.ValueTextEquals("id"u8);
            bool response = lookInResponse && reader.ValueTextEquals("response"u8);
            reader.Read();
            if (id && reader.TokenType == JsonTokenType.String)
            {
                return reader.GetString();
            }

            if (response && reader.TokenType == JsonTokenType.StartObject)
            {
                return FindInObject(ref reader, lookInResponse: false);
            }

            reader.Skip();
        }

        return null;
    }
}
