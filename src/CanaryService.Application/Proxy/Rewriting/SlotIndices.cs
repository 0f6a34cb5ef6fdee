using CanaryService.Core.Marking;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// Gives each slot of one response the choice index the marker is given: the first answer slot 0 (the only one that
/// may carry the phrase canary), later answer slots 1, 2, ..., reasoning <see cref="ResponseMarking.WithoutCanary"/>.
/// </summary>
internal sealed class SlotIndices
{
    private readonly Dictionary<TextSlot, int> _indices = [];
    private int _nextAnswer;

    public int Of(TextSlot slot, TextRole role)
    {
        if (!_indices.TryGetValue(slot, out int index))
        {
            index = role == TextRole.Reasoning ? ResponseMarking.WithoutCanary : _nextAnswer++;
            _indices[slot] = index;
        }

        return index;
    }
}
