using CanaryService.Reliability.Tests.Infrastructure;

namespace CanaryService.Reliability.Tests.Hostile;

/// <summary>
/// Every request of <see cref="HostileCorpus"/> against the real Host: a clear 4xx (OpenAI-shaped unless the HTTP
/// server refused the bytes before any route ran) or a correct answer; never a 5xx, a hang, a stack trace or a secret;
/// and a normal request still succeeds afterwards.
/// </summary>
[Trait("Category", "Integration")]
[Collection(SharedServiceCollection.Name)]
public sealed class HostileInputTests(ServiceFixture service)
{
    private static readonly TimeSpan PerRequest = TimeSpan.FromSeconds(20);

    public static TheoryData<string> Cases => new(HostileCorpus.All.Select(c => c.Name));

    [Fact]
    public void The_corpus_has_at_least_50_distinct_cases()
    {
        Assert.True(HostileCorpus.All.Count >= 50, $"{HostileCorpus.All.Count} cases");
        Assert.Equal(HostileCorpus.All.Count, HostileCorpus.All.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Hostile_request_gets_a_clear_answer(string name)
    {
        HostileCase hostile = HostileCorpus.Find(name);
        Reply reply;
        try
        {
            reply = await hostile.Send(service.Host, PerRequest);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no complete reply within {PerRequest.TotalSeconds} s");
            return;
        }

        Assert.True(reply.Status is >= 200 and < 500, $"status {reply.Status}: {reply}");
        if (hostile.Status is int status)
        {
            Assert.True(status == reply.Status, $"expected {status}: {reply}");
        }

        switch (hostile.Expect)
        {
            case Expect.ClientError:
                Assert.InRange(reply.Status, 400, 499);
                AnswerShape.AssertOpenAIError(reply);
                break;
            case Expect.ProtocolError:
                Assert.InRange(reply.Status, 400, 499);
                break;
            case Expect.Answer:
                (int choices, _) = AnswerShape.AssertAnswer(reply);
                if (name.StartsWith("n_128", StringComparison.Ordinal))
                {
                    Assert.Equal(128, choices);
                }

                break;
            case Expect.AnswerOrClientError:
                if (reply.Status == 200)
                {
                    AnswerShape.AssertAnswer(reply);
                }
                else
                {
                    Assert.InRange(reply.Status, 400, 499);
                    AnswerShape.AssertOpenAIError(reply);
                }

                break;
        }

        foreach (string marker in new[] { "   at ", "Exception", "System.", "CanaryService." })
        {
            Assert.DoesNotContain(marker, reply.Body, StringComparison.Ordinal);
        }

        KnownSecrets.AssertAbsent([reply.Headers, reply.Body], "the reply");

        // The process is alive and serves a normal request.
        Reply normal = await service.Host.SendAsync(ReliabilityHost.Chat(HostileCase.UserMessage("Typically, it works."), "after-" + name), PerRequest);
        Assert.Equal(200, normal.Status);
    }
}
