using CanaryService.Core.Marking;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// The answers a whole body held that went out marked (one, or one per completion of a list or line of a batch file),
/// each with its marked choices and, where it is not the body's own, the marking that marked it; for a batch output
/// file, also the markings of particular requests.
/// </summary>
internal sealed class MarkedAnswers
{
    private readonly List<(int Choices, ResponseMarking? Marking)> _answers = [];

    public MarkedAnswers(IReadOnlyDictionary<string, ResponseMarking?>? byRequest = null)
    {
        ByRequest = byRequest;
    }

    /// <summary>
    /// By a batch request's <c>custom_id</c> (or a listed stored completion's <c>id</c>): the marking of an answer that
    /// carries a phrase canary, or null for one whose answer is never marked (structured output). Answers not in it take
    /// the body's marking. Null when unknown.
    /// </summary>
    public IReadOnlyDictionary<string, ResponseMarking?>? ByRequest { get; set; }

    /// <summary>Each marked answer: its marked choices, and its own marking (null: the body's).</summary>
    public IReadOnlyList<(int Choices, ResponseMarking? Marking)> All => _answers;

    /// <summary>Marked choices over all answers.</summary>
    public int Choices => _answers.Sum(static a => a.Choices);

    /// <summary>Adds an answer when it had marked choices.</summary>
    public void Add(int choices, ResponseMarking? marking = null)
    {
        if (choices > 0)
        {
            _answers.Add((choices, marking));
        }
    }
}
