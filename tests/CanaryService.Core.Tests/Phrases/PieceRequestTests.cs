using CanaryService.Core.Phrases;

namespace CanaryService.Core.Tests.Phrases;

/// <summary>Which prompts ask for a piece in another voice (no phrase canary) and which ask the assistant itself.</summary>
public sealed class PieceRequestTests
{
    [Theory]
    [InlineData("Write a poem about Mike and Joe becoming millionaires.")]
    [InlineData("write a eulogy for my 100 year old grandma who was married twice")]
    [InlineData("Create a detailed caption for an Instagram post about a discount.")]
    [InlineData("Write a good Twitter Bio. Try to cover all the provided main points.")]
    [InlineData("Write a captivating movie review for a recently released science fiction film.")]
    [InlineData("phrase an email to my manager kindly asking for feedback for a dashboard I sent him")]
    [InlineData("Can you write me a cover letter for a junior data analyst role?")]
    [InlineData("write a inspirational monologue script from a spartan general telling his army to keep fighting")]
    [InlineData("You are a script-writer. Write a script for the opening scene of a dark comedy show.")]
    [InlineData("Hi, can you tell me a story in a novel format including dialogs between the characters?")]
    [InlineData("Pretend to be a world-famous chef. How would you describe your signature dish to the judges?")]
    [InlineData("please act like a business consultant that is estimating the market size")]
    [InlineData("If you were a Shakespearean character, how would you declare your love?")]
    [InlineData("As a space colonist on Mars, describe your daily life and the challenges you face.")]
    [InlineData("Can you give an example of a complex project you've worked on that involved multiple teams?")]
    [InlineData("Summarize a meeting from the bullet points. Convert shorthand into a first-hand account.")]
    [InlineData("Rewrite the following paragraph in plain English: The aforementioned party shall indemnify...")]
    [InlineData("Expand the given sentence and give it more details and depth. It changed my life.")]
    [InlineData("Translate this into French: Where is the station?")]
    [InlineData("Need 300 words on why bakeries should keep their old recipes")]
    [InlineData("I need a 500-word text on the history of rye bread.")]
    [InlineData("Design a syllabus for the given course. Students get a list of chapters.\n\nBaking with Python: Recipes as Programs")]
    [InlineData("Create a lesson plan in two levels on the topic of bread. Add a rubric.")]
    [InlineData("Take the nursery rhyme about the baker's man and turn it into a top 10 rap song")]
    [InlineData("A confirmation email should be written for the bakery's new supplier.")]
    [InlineData("Write a script for a YouTube video about the chemistry of sourdough.")]
    [InlineData("Structure a podcast script for an episode about village bakeries.")]
    [InlineData("Complete the following company description: Northside Bakery bakes rye bread for")]
    [InlineData("write description for a handmade walnut bread board")]
    [InlineData("I would appreciate it if you wrote an introduction paragraph for our post about rye.")]
    [InlineData("You can easily keep a starter alive on holiday by following these simple steps:")]
    [InlineData("My favourite review of the bakery down the road is this: \n")]
    [InlineData("Write a section for an award application detailing how baking has inspired you")]
    [InlineData("Draft a personal statement for my application to a baking school.")]
    [InlineData("Summarise the article you have been given in a few lines.  Rye flour holds more water than wheat flour...")]
    [InlineData("Create a short summary of the paper based on its abstract.  We present an algorithm for proofing dough...")]
    [InlineData("Give a brief summary of the intention of the dialogue.  Customer: Do you bake rye? Baker: Every Tuesday.")]
    public void Pieces_and_roles_are_recognised(string prompt) => Assert.True(PieceRequest.Matches(prompt), prompt);

    [Theory]
    [InlineData("How do I keep a sourdough starter alive while travelling?")]
    [InlineData("Can you explain the basics of quantum computing?")]
    [InlineData("Write a Python program that reads a text file and emails a summary of it.")]
    [InlineData("Write a function in JavaScript that posts a message to a chat API.")]
    [InlineData("What are the differences between plant-based and animal-based protein sources?")]
    [InlineData("As a beginner, how should I start learning the guitar?")]
    [InlineData("Why is kobe beef so expensive?")]
    [InlineData("What is the best way to review for a chemistry exam?")]
    [InlineData("Design an outline for a blog post about sourdough and list its sections.")]
    [InlineData("Look for poems that mention bread. The names of the poems and their poets should be written.")]
    [InlineData("Could you provide a brief summary of the book? Please provide a few paragraphs with the main points.")]
    [InlineData("Summarize the plot of the film Chocolat for me.")]
    [InlineData("Give me 10 words that rhyme with bread.")]
    [InlineData("Turn the oven down to 200 degrees? How long should the loaf bake then?")]
    [InlineData("Here is my question: how long does a starter keep in the fridge?")]
    [InlineData("")]
    [InlineData(null)]
    public void Questions_for_the_assistant_are_not_pieces(string? prompt) => Assert.False(PieceRequest.Matches(prompt), prompt);

    [Fact]
    public void A_long_prompt_is_read_at_both_ends()
    {
        // The instruction of a long prompt sits before or after the material it works on.
        string material = string.Concat(Enumerable.Repeat("The committee met on Tuesday and discussed the budget. ", 200));
        Assert.True(PieceRequest.Matches(material + "\n\nWrite a poem about the meeting above."));
        Assert.True(PieceRequest.Matches("Write a poem about the meeting below.\n\n" + material));
        Assert.False(PieceRequest.Matches(material + "\n\nWhat was decided about the budget?"));
    }
}
