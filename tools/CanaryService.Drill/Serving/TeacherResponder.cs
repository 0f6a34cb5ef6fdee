using CanaryService.Drill.Corpus;

namespace CanaryService.Drill.Serving;

/// <summary>
/// The teacher model: it knows the answer to every prompt of its corpus, also when a harvesting template wraps the
/// prompt (on a line of its own), and answers everyday requests outside its corpus with a short reply.
/// </summary>
internal sealed class TeacherResponder(TeacherCorpus corpus) : IChatResponder
{
    /// <inheritdoc />
    public string? Respond(string prompt) => corpus.Find(prompt)?.Answer ?? ChatReplies.For(prompt);
}
