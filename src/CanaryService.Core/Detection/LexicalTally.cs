namespace CanaryService.Core.Detection;

/// <summary>
/// One scored (context, group) of a competitor's history: how often its answers wrote each of the group's forms after
/// that context, over the whole history and up to the run where the pair was settled.
/// </summary>
/// <remarks>
/// The fixed-sample test uses every counted occurrence (<see cref="Counts"/>). Each of the e-value's two bets bets on a
/// pair once, at a time fixed by counts alone: one at the end of the run where the pair was first counted
/// (<see cref="FirstRunCounts"/>), the other when it is settled, at the end of the first run by which it has been
/// counted <see cref="SettleCount"/> times (<see cref="SettledCounts"/>). Betting again later would bet on the same
/// keyed choice, whose null law is no longer uniform once a bet on it has been seen. A pair's first-run and settled
/// counts in a shorter history are the same in every longer one.
/// </remarks>
public sealed class LexicalTally
{
    /// <summary>How many occurrences settle a pair for the e-value (at the end of the run that reaches it).</summary>
    public const int SettleCount = 8;

    private readonly int[] _counts;
    private readonly int[] _firstRunCounts;
    private int[]? _settled;   // the counts at the end of the settling run, once a later run has begun
    private int _lastRun;
    private int _settledRun;

    /// <summary>Creates an empty tally.</summary>
    /// <param name="context">The previous output word, lower-cased, or <c>^</c> at a sentence start.</param>
    /// <param name="groupId">The lexicon group's stable id.</param>
    /// <param name="groupSize">How many forms the group has.</param>
    /// <param name="layer">Which key the group answers to.</param>
    /// <param name="firstRun">The ordinal of the run where the pair was first counted.</param>
    public LexicalTally(string context, int groupId, int groupSize, LexicalLayer layer, int firstRun = 0)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfLessThan(groupSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(firstRun);
        Context = context;
        GroupId = groupId;
        Layer = layer;
        FirstRun = firstRun;
        _lastRun = firstRun;
        _counts = new int[groupSize];
        _firstRunCounts = new int[groupSize];
    }

    /// <summary>The previous output word, lower-cased, or <c>^</c> at a sentence start.</summary>
    public string Context { get; }

    /// <summary>The lexicon group's stable id.</summary>
    public int GroupId { get; }

    /// <summary>Which key the group answers to.</summary>
    public LexicalLayer Layer { get; }

    /// <summary>The ordinal of the run (0 = the oldest transcript) where the pair was first counted.</summary>
    public int FirstRun { get; }

    /// <summary>How many forms the group has.</summary>
    public int GroupSize => _counts.Length;

    /// <summary>How often each form was written after the context, over the whole history.</summary>
    public ReadOnlySpan<int> Counts => _counts;

    /// <summary>Counted occurrences over the whole history.</summary>
    public int Total { get; private set; }

    /// <summary>How often each form was written after the context in run <see cref="FirstRun"/>.</summary>
    public ReadOnlySpan<int> FirstRunCounts => _firstRunCounts;

    /// <summary>Counted occurrences in run <see cref="FirstRun"/>.</summary>
    public int FirstRunTotal { get; private set; }

    /// <summary>Whether the pair is settled: counted at least <see cref="SettleCount"/> times by the end of some run.</summary>
    public bool IsSettled => _settled is not null || Total >= SettleCount;

    /// <summary>The run at whose end the pair was settled (−1 when it is not).</summary>
    public int SettledRun => _settled is not null ? _settledRun : Total >= SettleCount ? _lastRun : -1;

    /// <summary>How often each form was written up to the end of <see cref="SettledRun"/> (empty when not settled).</summary>
    public ReadOnlySpan<int> SettledCounts => _settled ?? (Total >= SettleCount ? _counts : []);

    /// <summary>Counts one occurrence of form <paramref name="formIndex"/> in run <paramref name="run"/> (runs in order).</summary>
    /// <returns>This tally.</returns>
    public LexicalTally Add(int formIndex, int run)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(formIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(formIndex, _counts.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(run, _lastRun);
        if (run > _lastRun && _settled is null && Total >= SettleCount)
        {
            // Run _lastRun has ended with the pair counted often enough: freeze what the e-value bets on.
            _settled = [.. _counts];
            _settledRun = _lastRun;
        }

        _lastRun = run;
        _counts[formIndex]++;
        Total++;
        if (run == FirstRun)
        {
            _firstRunCounts[formIndex]++;
            FirstRunTotal++;
        }

        return this;
    }

    /// <summary>Counts <paramref name="times"/> occurrences of form <paramref name="formIndex"/> in run <paramref name="run"/>.</summary>
    /// <returns>This tally.</returns>
    public LexicalTally Add(int formIndex, int run, int times)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(times);
        for (int i = 0; i < times; i++)
        {
            Add(formIndex, run);
        }

        return this;
    }
}
