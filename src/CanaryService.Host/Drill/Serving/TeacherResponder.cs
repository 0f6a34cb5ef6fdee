using CanaryService.Host.Drill.Corpus;

namespace CanaryService.Host.Drill.Serving;

/// <summary>The teacher model: it knows the answer to every prompt of its corpus, and nothing else.</summary>
internal sealed class TeacherResponder(TeacherCorpus corpus) : IChatResponder
{
    /// <inheritdoc />
    public string? Respond(string prompt) => corpus.Find(prompt)?.Answer;
}
