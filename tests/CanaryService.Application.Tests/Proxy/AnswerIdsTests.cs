using System.Text;
using CanaryService.Application.Proxy.Rewriting;

namespace CanaryService.Application.Tests.Proxy;

public sealed class AnswerIdsTests
{
    [Theory]
    [InlineData("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[]}", "chatcmpl-1")]
    [InlineData("{\"object\":\"response\",\"output\":[{\"id\":\"msg_1\"}],\"id\":\"resp_1\"}", "resp_1")]
    [InlineData("{\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"object\":\"response\",\"id\":\"resp_2\",\"output\":[]}}", "resp_2")]
    [InlineData("{\"id\":\"chatcmpl-\\u0041\\/x\"}", "chatcmpl-A/x")]
    public void The_answer_id_is_the_top_level_id_or_that_of_the_response_an_event_carries(string json, string expected) =>
        Assert.Equal(expected, AnswerIds.Find(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("{\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\",\"delta\":\"x\"}")]
    [InlineData("{\"choices\":[{\"id\":\"nested\"}],\"data\":{\"id\":\"nested\"}}")]
    [InlineData("{\"id\":42}")]
    [InlineData("{\"id\":null}")]
    [InlineData("[{\"id\":\"in-an-array\"}]")]
    [InlineData("[DONE]")]
    [InlineData("")]
    [InlineData("{\"id\":\"cut")]
    [InlineData("{\"id\":\"\\ud800\"}")]
    public void Anything_else_has_no_answer_id(string json) => Assert.Null(AnswerIds.Find(Encoding.UTF8.GetBytes(json)));
}
