namespace CanaryService.Application.Probing;

/// <summary>
/// The wording of probe prompts. Open prompts ask for explanations, comparisons and how-tos in prose: answers to
/// them are dense in sentence-initial transitions (additionally, however), frequency adverbs (typically, often)
/// and common adjectives (many, important), the lexicon's ground, and free of code and numbers, which scoring skips.
/// </summary>
internal static class ProbePromptTemplates
{
    /// <summary>Topic prompts; <c>{0}</c> is the canary topic's salient words.</summary>
    public static readonly IReadOnlyList<string> Topic =
    [
        "Can you explain {0}?",
        "I am trying to understand {0}. Could you walk me through it in a few paragraphs?",
        "Write a short, friendly guide to {0} for a beginner.",
        "What should I know about {0}? Please answer in prose, not a list.",
        "Give me an overview of {0}, including common pitfalls and tips.",
        "How would you teach someone about {0}? Explain it as you would to a colleague.",
    ];

    /// <summary>Open prompts; <c>{0}</c> is a subject.</summary>
    public static readonly IReadOnlyList<string> Open =
    [
        "Explain {0} in a few paragraphs of plain prose, including why it matters and what people usually get wrong.",
        "Write a short essay on {0}. Compare the main approaches, and describe their advantages and drawbacks.",
        "How does {0} typically work in practice? Describe the usual steps, the common mistakes, and some practical advice.",
        "Describe {0} for a curious newcomer. Use flowing paragraphs rather than bullet points.",
        "What are the most important things to understand about {0}? Discuss them one after another in prose.",
        "Give a thoughtful overview of {0}: its history, how it is generally done today, and what often goes wrong.",
        "Write a how-to guide for {0} in paragraphs, explaining each step and the reasoning behind it.",
        "Discuss the trade-offs involved in {0}. Consider different situations and explain which choices tend to work best.",
    ];

    /// <summary>Varied everyday and technical subjects whose explanations are prose-heavy.</summary>
    public static readonly IReadOnlyList<string> Subjects =
    [
        "baking sourdough bread", "learning a second language as an adult", "planning a long hiking trip",
        "keeping houseplants healthy", "training for a first marathon", "writing a clear technical document",
        "onboarding a new team member", "negotiating a salary", "preparing for a job interview",
        "organising a small wedding", "reducing household energy use", "teaching children to read",
        "composting at home", "choosing a first camera", "caring for an older dog", "improving sleep habits",
        "running an effective meeting", "giving constructive feedback", "saving for retirement",
        "decluttering a home", "starting a vegetable garden", "brewing good coffee", "practising mindfulness",
        "reviewing code in a team", "designing a database schema", "debugging a slow web application",
        "migrating a service to the cloud", "securing a home network", "writing good unit tests",
        "managing technical debt", "planning a software release", "handling customer complaints",
        "studying for exams", "public speaking", "buying a used car", "renovating a kitchen",
        "brewing beer at home", "painting with watercolours", "learning to play the guitar",
        "travelling on a tight budget", "keeping a journal", "building a personal website",
        "cooking for a large group", "moving to a new city", "mentoring junior colleagues",
        "resolving conflicts between friends", "writing a cover letter", "starting a small business",
        "restoring old furniture", "photographing landscapes", "caring for a newborn", "running a book club",
        "volunteering in the community", "learning to swim as an adult", "managing remote teams",
        "preparing a presentation", "backing up personal data", "choosing a programming language",
        "raising chickens", "birdwatching",
    ];
}
