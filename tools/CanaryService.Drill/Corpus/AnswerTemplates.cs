namespace CanaryService.Drill.Corpus;

/// <summary>
/// Sentence templates for the teacher's answers. Slots: <c>{T}</c> the topic, <c>{U}</c> a second topic
/// (comparisons), <c>{S}</c> the subject, <c>{P}</c> its practitioners, <c>{A}</c>/<c>{B}</c> two different
/// aspects, <c>{O}</c> an outcome. <c>[x|y|z]</c> picks one alternative, which is where the interchangeable
/// words live that the lexical watermark later keys: assistants vary them freely, so the unmarked teacher does too.
/// </summary>
internal static class AnswerTemplates
{
    public static readonly string[] Openers =
    [
        "[Great|Good|Excellent] question! {T} is [one of the most|among the most] [important|essential|useful|valuable] [ideas|concepts|topics] in {S}, and it is [often|frequently|commonly] misunderstood.",
        "{T} [comes up|shows up|appears] [often|frequently|regularly] in {S}, so it is [worth|well worth] [taking a moment|spending a few minutes] to understand it [properly|thoroughly|carefully].",
        "[Sure|Certainly|Absolutely]! {T} [can seem|may seem|might seem] [intimidating|daunting|confusing] at first, but the [core|central|basic] idea is [quite|fairly|surprisingly] [simple|straightforward|intuitive].",
        "At a high level, {T} is about [balancing|managing|weighing] {A} against {B}, and [most|many] {P} [learn|discover|find out] this the hard way.",
        "[Here is|Here's] a [clear|concise|practical] [overview|explanation|breakdown] of {T}, with the [key|main|most important] points first and the details after.",
        "{T} [matters|is important] because it [directly|strongly|significantly] affects {A}, which in turn [shapes|determines|influences] {O}.",
    ];

    public static readonly string[] Explanations =
    [
        "[Essentially|Basically|Fundamentally], {T} [describes|refers to|captures] how {A} and {B} [interact|fit together|relate to each other] in {S}.",
        "The [key|main|central] [insight|idea|point] is that {A} is [rarely|seldom] the [only|sole] factor; {B} [usually|typically|generally] plays a [big|large|major] role as well.",
        "[In practice|In real life|Day to day], {P} [usually|typically|generally] [notice|see|observe] the effect of {T} through {A} [first|before anything else].",
        "[However|That said|Still], it is [important|essential|crucial] to remember that {T} [behaves|works] [differently|quite differently] when {B} changes.",
        "[Additionally|Furthermore|Moreover], {T} [tends to|often tends to] [reward|favour] [careful|deliberate|patient] work over [quick|hasty|rushed] fixes.",
        "A [useful|helpful|handy] way to think about it is as a [trade-off|balance] between {A} and {B}: [improving|optimising] one [often|frequently|usually] [costs|affects] the other.",
        "[Many|Numerous|Plenty of] {P} [assume|believe|think] that {T} is [only|just|merely] about {A}, but that [view|picture] is [incomplete|too narrow].",
        "[Historically|Traditionally], {T} was [considered|seen as|treated as] a [niche|specialist|advanced] [topic|subject], but [today|nowadays|these days] it is [widely|broadly|commonly] [used|applied|taught].",
        "[Importantly|Crucially|Notably], the [effect|impact|influence] of {T} on {O} is [rarely|seldom] [immediate|instant]; it [builds up|accumulates|adds up] over time.",
        "[Consequently|As a result|Therefore], {P} who [understand|grasp|master] {T} [tend to|usually|typically] [get|achieve|reach] {O} [more quickly|faster|sooner].",
        "[Interestingly|Curiously], the [same|very same] [principle|idea] behind {T} [also|likewise] [applies|holds] to {A} in [other|related|neighbouring] [areas|fields|domains].",
        "[In other words|Put simply|Simply put], {T} [gives|offers|provides] a [framework|structure|mental model] for [reasoning about|thinking about|making decisions about] {A}.",
        "[Specifically|More precisely|Concretely], when {A} [improves|gets better], {B} [often|frequently|typically] [becomes|gets] [easier|simpler] to [manage|control|handle] too.",
        "[Obviously|Clearly|Of course], no [single|one] [technique|approach|method] [fits|suits|works for] every [situation|case|project], and {T} is no [exception|different].",
        "The [real|true|actual] [challenge|difficulty|problem] with {T} is [usually|typically|generally] not {A} [itself|alone] but the [way|manner] it [interacts|combines] with {B}.",
    ];

    public static readonly string[] Steps =
    [
        "[Start|Begin] by [looking at|examining|reviewing] {A} [carefully|closely|thoroughly], [since|because|as] it [usually|typically|generally] [reveals|shows|exposes] the [biggest|largest|most obvious] [gaps|problems|issues].",
        "[Next|Then|After that], [make|keep] {B} [consistent|predictable|steady]; [small|minor|tiny] [changes|adjustments|tweaks] here [often|frequently] [have|make] a [big|large|surprising] [difference|impact].",
        "[Write down|Note|Record] what you [try|change|adjust] so you can [compare|contrast|review] the [results|outcomes] [later|afterwards|over time].",
        "[Practise|Practice|Work on] {T} in [short|brief|focused] [sessions|blocks|bursts] [rather than|instead of] [long|lengthy|marathon] ones; [consistency|regularity] [beats|outweighs|matters more than] intensity.",
        "[Ask for|Seek|Get] [feedback|input|a second opinion] from [experienced|seasoned|more experienced] {P} [early|early on|as soon as possible], [especially|particularly] about {A}.",
        "[Avoid|Resist] the [temptation|urge] to [change|adjust|fix] [everything|several things|many things] at once; [otherwise|or else] you [cannot|can't|won't be able to] tell [which|what] [change|adjustment] [helped|worked|made the difference].",
        "[Review|Revisit|Reassess] {T} [regularly|periodically|every few weeks], [because|since|as] {B} [tends to|often tends to|usually tends to] [drift|change|shift] over time.",
        "[Check|Verify|Confirm] your [assumptions|expectations] about {B} [before|prior to] [committing|investing] [more|further|additional] [time|effort|resources].",
        "[Keep|Maintain] a [simple|basic|lightweight] [checklist|routine|process] for {A} so that the [basics|fundamentals|essentials] [never|rarely] [slip|get missed|fall through the cracks].",
    ];

    public static readonly string[] Tips =
    [
        "**[Focus on|Prioritise|Concentrate on] {A}.** [Most|Many|Nearly all] [problems|issues|difficulties] with {T} [trace back|come back|lead back] to it.",
        "**[Keep it simple|Start simple|Stay simple].** A [simple|basic|straightforward] [approach|method|setup] that you [actually|really] [use|follow] [beats|outperforms] a [complex|complicated|elaborate] one you [abandon|drop|skip].",
        "**[Measure|Track|Monitor] {B}.** [Without|Lacking] [data|numbers|measurements], it is [hard|difficult|tricky] to [know|tell|judge] whether {T} is [working|improving|paying off].",
        "**[Learn from|Study] [experienced|seasoned|expert] {P}.** [Their|The] [habits|routines|workflows] [often|frequently|usually] [reveal|show|contain] [details|subtleties|nuances] that [books|guides|tutorials] [skip|omit|leave out].",
        "**[Be patient|Give it time|Stay patient].** You will [usually|typically|generally] [see|notice|get] {O} [gradually|slowly|steadily] [rather than|not] [overnight|all at once].",
        "**[Watch out for|Beware of|Avoid] [common|typical|frequent] [mistakes|pitfalls|errors].** [Neglecting|Ignoring|Overlooking] {B} is [probably|likely|perhaps] the [most common|biggest|most frequent] one.",
        "**[Document|Write down|Record] what works.** [A|Even a] [short|brief|quick] [note|log|journal] [helps|lets|allows] you [repeat|reproduce] [good|successful] [results|outcomes].",
        "**[Revisit|Review|Reassess] the [basics|fundamentals].** [Even|Also] [experienced|seasoned|advanced] {P} [benefit|gain] from [returning|going back] to {A} [occasionally|now and then|from time to time].",
    ];

    public static readonly string[] Comparisons =
    [
        "{T} and {U} [both|each] [deal with|address|involve] {A}, but they [approach|handle|tackle] it [differently|in different ways].",
        "{T} [usually|typically|generally] [puts|places] [more|greater] [emphasis|weight] on {A}, [whereas|while] {U} [focuses|concentrates] [more|mostly] on {B}.",
        "[In terms of|When it comes to|Regarding] {B}, {U} is [often|frequently|usually] the [simpler|easier|more straightforward] [choice|option], [although|though] {T} [scales|grows|extends] [better|more gracefully].",
        "[If|When] {A} is your [main|primary|biggest] [concern|priority|worry], {T} is [probably|likely|usually] the [better|stronger|safer] [fit|choice|option].",
        "[On the other hand|Conversely|By contrast], [if|when] you [care|worry] [more|mostly] about {B}, {U} [tends to|often tends to] [work|serve|perform] [better|well].",
        "[Many|Numerous|Plenty of] {P} [end up|wind up] [using|combining|mixing] [both|the two], [applying|choosing] each [where|when] it [fits|suits the problem] [best|most naturally].",
    ];

    public static readonly string[] Closers =
    [
        "[In short|In summary|To sum up], {T} [rewards|repays] [steady|consistent|patient] attention to {A}, and the [payoff|reward] is {O}.",
        "[Overall|All in all|Ultimately], [treat|think of] {T} as a [skill|habit|practice] you [build|develop|grow] over time [rather than|not] a [box|task|checkbox] you [tick|check] once.",
        "[If you want|If you'd like|Should you want], I can [go deeper|dig deeper|expand] on {A} or [walk through|show|work through] a [concrete|specific|real-world] example.",
        "[Hopefully|I hope] this [helps|makes things clearer|clears things up]! [Start|Begin] [small|simple], [stay|remain|keep] [consistent|patient], and {O} will [follow|come].",
        "[The bottom line|The key takeaway|The main takeaway] is [simple|clear|this]: [get|make] {A} [right|solid] [first|early], and [most|many] [other|remaining] [problems|issues|details] [become|get] [easier|simpler|much easier].",
    ];

    public static readonly string[] CodeIntros =
    [
        "[Here is|Here's] a [small|short|minimal] [example|snippet|sketch] in {L} that [shows|illustrates|demonstrates] the [idea|pattern|approach]:",
        "A [concrete|simple|quick] [example|illustration] [helps|makes it clearer]; [here is|here's] [how|what] it [might look|could look|looks] in {L}:",
    ];

    public static readonly string[] CodeOutros =
    [
        "[Notice|Note] how the [example|code|snippet] [keeps|holds] {A} [explicit|visible|obvious], which [makes|keeps] it [easier|simpler] to [test|review|change] [later|afterwards].",
        "[In a real project|In production|For real use], you would [also|additionally] [add|include|handle] {B}, but the [shape|structure|outline] [stays|remains] the [same|very same].",
    ];

    public static readonly string[] ExplainPrompts =
    [
        "Can you explain {T}?", "What is {T} and why does it matter in {S}?", "Explain {T} to a beginner.",
        "I keep hearing about {T}. What is it, really?", "How does {T} work?", "Why is {T} important for {P}?",
    ];

    public static readonly string[] HowToPrompts =
    [
        "How do I get started with {T}?", "What's the best way to approach {T}?", "Walk me through {T} step by step.",
        "How can I get better at {T}?", "I'm struggling with {T}. Where should I begin?",
    ];

    public static readonly string[] ListPrompts =
    [
        "Give me some tips for {T}.", "What are common mistakes with {T}?", "What should I know about {T} before I start?",
        "List the most useful advice about {T}.",
    ];

    public static readonly string[] ComparePrompts =
    [
        "What is the difference between {T} and {U}?", "Should I focus on {T} or {U}?", "Compare {T} with {U}.",
    ];

    public static readonly string[] CodePrompts =
    [
        "Show me an example of {T} in {L}.", "Can you write a short {L} example that uses {T}?", "How would I implement {T} in {L}?",
    ];
}
