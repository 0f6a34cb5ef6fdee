using CanaryService.Core.Marking;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// The markings of particular answers a whole body holds, by their id (null when there are none), read before the body is
/// rewritten.
/// </summary>
internal delegate Task<IReadOnlyDictionary<string, ResponseMarking?>?> AnswerMarkingLookup(ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

/// <summary>
/// The markings of the stored answers <paramref name="answerIds"/> names that carry a phrase canary, by id; null when
/// none does or they could not be read.
/// </summary>
internal delegate Task<IReadOnlyDictionary<string, ResponseMarking?>?> StoredAnswerLookup(IReadOnlyList<string> answerIds, CancellationToken cancellationToken);
