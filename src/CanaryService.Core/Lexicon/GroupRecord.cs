namespace CanaryService.Core.Lexicon;

/// <summary>
/// What the scanner and the marker read of a group at every occurrence, in eight bytes of one array: under bursts the
/// lexicon is out of every cache by the time an answer comes, and reading a <see cref="LexiconGroup"/> object, its
/// forms array, a form string and a guard set cost a memory read each. The guards' word sets stay on the group and
/// are read only for the few groups whose <see cref="Rules"/> say they have one.
/// </summary>
internal readonly struct GroupRecord
{
    public GroupRecord(int id, int firstForm, int formCount, GroupRules rules)
    {
        Id = id;
        FirstForm = checked((ushort)firstForm);
        FormCount = checked((byte)formCount);
        Rules = rules;
    }

    /// <summary>The group's stable id (<see cref="LexiconGroup.Id"/>).</summary>
    public int Id { get; }

    /// <summary>Where the group's first form is in <see cref="CanaryLexicon.FormText"/>; the others follow it.</summary>
    public ushort FirstForm { get; }

    /// <summary>How many forms the group has.</summary>
    public byte FormCount { get; }

    /// <summary>Which guards the group has.</summary>
    public GroupRules Rules { get; }

    /// <summary>True when eligibility depends on the word that follows.</summary>
    public bool NeedsNextWord => (Rules & (GroupRules.RequiresNextWord | GroupRules.NotBeforeWords)) != 0;
}

/// <summary>A group's guards as flags (see <see cref="LexiconGroup"/> for what each one means).</summary>
[Flags]
internal enum GroupRules : byte
{
    None = 0,

    /// <summary><c>after ^</c> and nothing else: eligible only at a sentence start, decided without the word set.</summary>
    SentenceStartOnly = 1,

    /// <summary>Any other <c>after</c> list: <see cref="LexiconGroup.OnlyAfter"/> is read.</summary>
    OnlyAfterWords = 2,

    /// <summary><see cref="LexiconGroup.NotAfter"/> is read.</summary>
    NotAfterWords = 4,

    /// <summary><see cref="LexiconGroup.NotBefore"/> is read.</summary>
    NotBeforeWords = 8,

    /// <summary><see cref="LexiconGroup.RequiresComma"/>.</summary>
    RequiresComma = 16,

    /// <summary><see cref="LexiconGroup.RequiresNextWord"/>.</summary>
    RequiresNextWord = 32,

    /// <summary><see cref="LexiconGroup.MixedArticle"/>.</summary>
    MixedArticle = 64,
}
