using System.Text.RegularExpressions;

namespace CanaryService.Core.Phrases;

/// <summary>
/// Whether a prompt asks for a piece the user will use as written, in a voice other than the assistant's: a poem, a
/// story, a speech, a letter or an email, a bio, a review, a social post or caption, an ad; a role to play ("Pretend
/// to be a chef…"); a text to rewrite, translate or summarise (the summary of an article, a paper, a dialogue the prompt
/// gives); the opening of a text to carry on (a prompt that stops at a colon).
/// Such a request draws no phrase canary.
/// </summary>
/// <remarks>
/// A closing hope and offer of help ("I hope this helps. Let me know if you need anything else.") reads as the
/// assistant's own words after an explanation, a list or code. After a piece with no framing of its own it reads as
/// the piece's last lines (a eulogy that ends "Thank you.", a first-person bio, a poem, an in-character speech), and a
/// user who copies the piece copies it too. Readers of real answers judged every such closing awkward, so the draw
/// leaves these requests out rather than the insertion guessing from the answer. A request for code is never a
/// piece, whatever it mentions ("a script that sends an email").
/// </remarks>
public static partial class PieceRequest
{
    /// <summary>How much of a long prompt's start and end is read: the instruction sits at one of them.</summary>
    internal const int ReadLimit = 1_000;

    /// <summary>True when <paramref name="prompt"/> asks for a piece in another voice (see the remarks).</summary>
    public static bool Matches(string? prompt)
    {
        if (string.IsNullOrWhiteSpace(prompt))
        {
            return false;
        }

        string text = prompt.Length <= 2 * ReadLimit ? prompt : string.Concat(prompt.AsSpan(0, ReadLimit), "\n", prompt.AsSpan(prompt.Length - ReadLimit));
        return AsksForDocument().IsMatch(text) || AsksForSummary().IsMatch(text) || ContinuesText(prompt)
            || (!AsksForCode().IsMatch(text) && (AsksForPiece().IsMatch(text) || AsksForRole().IsMatch(text) || AsksForRewrite().IsMatch(text) || AsksForLength().IsMatch(text)));
    }

    // The prompt stops at a colon, on the opening of a text the answer carries on ("…by following these simple
    // steps:", "My favourite review of the series is this:", a citation that stops at "MLA:"): the answer is the rest
    // of the user's own text, and a closing would be copied with it.
    private static bool ContinuesText(string prompt) => prompt.AsSpan().TrimEnd().EndsWith(":", StringComparison.Ordinal);

    // A verb of making, then (within the same clause) a kind of piece that is read in its author's voice.
    [GeneratedRegex(
        @"\b(write|writing|wrote|compose|draft|create|craft|pen|produce|generate|prepare|provide|phrase|make|give me|tell (me|us)|come up with|structure|complete|turn (it|this|that|these|them|the \w+) into)\b[^.?!\n]{0,60}?\b(" +
        @"poems?|poetry|haikus?|limericks?|sonnets?|verses?|songs?|lyrics|raps?|jingles?|ballads?|stor(y|ies)|tales?|fables?|fan ?fiction|" +
        @"speech(es)?|toasts?|eulog(y|ies)|vows|sermons?|monologues?|dialogues?|dialogs?|interviews?|conversations?|screenplays?|backstor(y|ies)|diary|diaries|journal entr(y|ies)|plays?|scenes?|skits?|sketch(es)?|chapters?|episodes?|novels?|novellas?|odes?|stanzas?|(movie|film|play|video|tv|youtube|podcast|commercial) scripts?|" +
        @"letters?|e-?mails?|memos?|messages?|invitations?|announcements?|bios?|biograph(y|ies)|resumes?|résumés?|cv|profiles?|" +
        @"reviews?|testimonials?|tweets?|captions?|posts?|blogs?|articles?|essays?|op-?eds?|slogans?|taglines?|ads?|adverts?|" +
        @"advertisements?|commercials?|pitch(es)?|(product|job|property|listing|course|event|company|business|brand) descriptions?|newsletters?|(introduct(ion|ory)|intro|opening|closing|concluding) paragraphs?|" +
        @"scripts? for (an? |the |my |our )?(youtube|video|podcast|film|movie|tv|radio|commercial|play|skit|scene|episode)|business plans?|" +
        @"sections?|(personal|mission|vision|purpose|artist'?s?) statements?|press releases?|obituar(y|ies)|compliments?|personas?|(jira|support|bug) tickets?|user stor(y|ies)|proposals?|agendas?|flyers?|brochures?|whitepapers?|white papers?|menus?|greeting cards?|cards?|jokes?|riddles?|prayers?|(thank[- ]you|sympathy|condolence|apology) notes?" +
        @")\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AsksForPiece();

    // A document to hand out as written, whatever its subject (a syllabus for a programming course is not code).
    [GeneratedRegex(
        @"\b(write|compose|draft|create|prepare|produce|generate|design|plan|structure|develop|make|give me)\b[^.?!\n]{0,40}?\b(syllab(us|i|uses)|lesson plans?|curricul(um|a)|rubrics?)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AsksForDocument();

    // The summary of a text the prompt gives (an article, a paper's abstract, a dialogue): the answer is the summary
    // itself, a deliverable the user takes as it stands, and readers judged a closing after it padding. A summary of a
    // book or a film is an explanation and keeps its canary; so does code that writes summaries ("a summary of it").
    [GeneratedRegex(
        @"\b(summari[sz]e|summary of|sum up|condense|tl;?dr)\b[^.?!\n]{0,40}?\b(following|given|above|provided|attached|articles?|texts?|passages?|papers?|abstracts?|excerpts?|transcripts?|e-?mails?|documents?|reports?|paragraphs?|dialogues?|conversations?)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AsksForSummary();

    // A length in words ("Need 300 words on…", "a 500-word essay"), a text that "should be written" ("A confirmation
    // email should be written…"), a description to write: the user will use the answer as it stands, and a closing
    // would be copied with it (and pad its count).
    [GeneratedRegex(
        @"\b([5-9]\d|[1-9]\d{2,3})[- ]words?\b|\b(letters?|e-?mails?|messages?|notes?|speech(es)?|posts?|essays?|articles?|stor(y|ies)|poems?|repl(y|ies)|responses?) (should|must|needs? to|has to) be (written|drafted|composed)\b|\bwrite (a |an |the )?(short |brief |detailed )?descriptions?\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AsksForLength();

    // A role to play: "Pretend to be…", "Act as a…", "Imagine you are…", "If you were a…", "in the voice of…", "As a chef, describe your…";
    // a question about the assistant's own past ("a project you've worked on"), or text asked for in the first person.
    [GeneratedRegex(
        @"\b(pretend|imagine|act|role-?play|impersonate)\b[^.?!\n]{0,30}?\b(you are|you're|to be|as a|as an|as the|like a|like an|that you)\b|\b(in the (voice|persona) of|as if you were|if you were an?|play the role)\b|" +
        @"^\s*(as|you are) an? [^,.?!\n]{1,60}[,.] [^.?!\n]{0,80}\byour\b|" +
        @"\b(a time (when )?you|you('ve| have) (ever )?(worked|led|managed|faced|handled|had to))\b|\bfirst[- ](hand|person)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AsksForRole();

    // A text to put in other words: the answer is the text, to be copied.
    [GeneratedRegex(
        @"^\s*(rewrite|rephrase|paraphrase|translate|proofread|polish)\b|\b(rewrite|rephrase|paraphrase|translate|proofread|polish|expand|shorten|simplify|edit|correct|improve)\b (this|the|my|it|that|these|following|above|given)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AsksForRewrite();

    [GeneratedRegex(
        @"\b(code|coding|program|programming|function|algorithm|regex|sql|python|javascript|typescript|java|c\+\+|c#|rust|golang|bash|powershell|html|css|json|api)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AsksForCode();
}
