using CanaryService.Core.Phrases;

namespace CanaryService.Core.Tests.Phrases;

/// <summary>Which prompts ask for a verdict (a label, a category, a yes or no) and which ask for an explanation.</summary>
public sealed class VerdictRequestTests
{
    [Theory]
    [InlineData("The given text must be classified as offensive or not offensive.\n\nYour bread is a disgrace.")]
    [InlineData("Classify the tweet into one of three categories: event, demo, or news.")]
    [InlineData("Decide if the given email belongs to the Promotions or Social category.")]
    [InlineData("On the basis of the subject of the email, determine whether the email should be treated as spam or not.")]
    [InlineData("Assess the sentiment of the given review and categorize it as Positive, Negative, or Neutral.")]
    [InlineData("Decide which part of speech the underlined word belongs to.\n\nthe bakery will _open at six")]
    [InlineData("You are given two questions. Check if they are duplicates.")]
    [InlineData("True or false: rye flour has less gluten than wheat flour.")]
    public void Verdicts_are_recognised(string prompt) => Assert.True(VerdictRequest.Matches(prompt), prompt);

    [Theory]
    [InlineData("How do I keep a sourdough starter alive while travelling?")]
    [InlineData("Why does rye bread stay fresh longer than wheat bread?")]
    [InlineData("Explain how sentiment in customer reviews can guide a bakery's menu.")]
    [InlineData("Which flour should I buy for a first sourdough loaf?")]
    [InlineData("How do I determine if my starter is ready to bake with?")]
    [InlineData("")]
    [InlineData(null)]
    public void Other_questions_are_not_verdicts(string? prompt) => Assert.False(VerdictRequest.Matches(prompt), prompt);
}
