using System.Buffers;
using System.Text;
using System.Text.Json;
using CanaryService.Application.Proxy.Rewriting;

namespace CanaryService.Application.Tests.Proxy;

public sealed class ChatCompletionRewriterTests
{
    private static string Rewrite(string json, out int marked)
    {
        var output = new ArrayBufferWriter<byte>();
        marked = ChatCompletionRewriter.Rewrite(Encoding.UTF8.GetBytes(json), TestMarking.Begin(), output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static readonly JsonSerializerOptions RelaxedJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public void Only_the_content_string_changes_and_every_other_byte_is_kept()
    {
        // Unknown fields, odd whitespace, number spellings, escapes and field order must survive exactly.
        const string Before = "{ \"id\" : \"x\\u00e9\", \"zeta\": {\"n\": 1.50e+2, \"list\": [1, -0.0, true, null]},\n" +
            "  \"choices\": [ {\"message\": {\"content\": \"So many \\\"quotes\\\" \\u00e9, usually.\", \"role\": \"assistant\", \"x-new\": [{}]},\n" +
            "  \"index\": 0, \"finish_reason\": \"stop\"} ], \"usage\": {\"total_tokens\": 46}, \"system_fingerprint\": \"fp_1\" }";

        string after = Rewrite(Before, out int marked);

        Assert.Equal(1, marked);
        string text = TestMarking.Changed("So many \"quotes\" é, usually.");
        Assert.Equal(Before.Replace("\"So many \\\"quotes\\\" \\u00e9, usually.\"", JsonSerializer.Serialize(text, RelaxedJson), StringComparison.Ordinal), after);
    }

    [Fact]
    public void Each_choice_is_marked_on_its_own_and_tool_calls_and_refusals_are_left_alone()
    {
        const string Before = "{\"choices\":[" +
            "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"many\"}}," +
            "{\"message\":{\"role\":\"assistant\",\"content\":\"usually\"},\"index\":1}," +
            "{\"index\":2,\"message\":{\"role\":\"assistant\",\"content\":\"many\",\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"many\\\":1}\"}}]}}," +
            "{\"index\":3,\"message\":{\"role\":\"assistant\",\"content\":null,\"refusal\":\"I can't help with many things.\"}}]}";

        string after = Rewrite(Before, out int marked);

        Assert.Equal(2, marked);
        using JsonDocument document = JsonDocument.Parse(after);
        JsonElement choices = document.RootElement.GetProperty("choices");
        Assert.Equal(TestMarking.Changed("many"), choices[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(TestMarking.Changed("usually"), choices[1].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("many", choices[2].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("I can't help with many things.", choices[3].GetProperty("message").GetProperty("refusal").GetString());
        Assert.Equal(Before[Before.IndexOf("{\"index\":2", StringComparison.Ordinal)..], after[after.IndexOf("{\"index\":2", StringComparison.Ordinal)..]);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"choices\":[{\"message\":{\"content\":\"many\"}}]")]
    public void Anything_but_a_completion_object_is_refused_and_nothing_is_written(string body)
    {
        var output = new ArrayBufferWriter<byte>();

        int marked = ChatCompletionRewriter.Rewrite(Encoding.UTF8.GetBytes(body), TestMarking.Begin(), output);

        Assert.Equal(-1, marked);
        Assert.Equal(0, output.WrittenCount);
    }
}
