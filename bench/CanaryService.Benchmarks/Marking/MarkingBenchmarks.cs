using System.Reflection;
using System.Text;
using BenchmarkDotNet.Attributes;
using CanaryService.Benchmarks.Interleaved;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;
using CanaryService.ProxyBench;

namespace CanaryService.Benchmarks.Marking;

/// <summary>
/// Marking throughput on 4 KB answers cut from the test corpus: whole text, and streaming with 20-character
/// deltas. Throughput = 4,096 chars / mean time; allocations are per answer.
/// </summary>
[MemoryDiagnoser]
public class MarkingBenchmarks
{
    private const int AnswerLength = 4096;
    private const int DeltaLength = 20;

    private TextMarker _marker = null!;
    private CanaryKeyRing _ring = null!;
    private LexiconLayers _layers = null!;
    private string _answer = null!;
    private string[] _deltas = null!;
    private string _loadAnswerWithoutForms = null!;
    private ReachableMemory _markerData = ReachableMemory.Empty;
    private ReachableMemory _lexiconData = ReachableMemory.Empty;
    private ReachableMemory _choiceCacheData = ReachableMemory.Empty;

    [GlobalSetup]
    public void Setup()
    {
        var ring = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()));
        _ring = ring;
        _layers = LexiconLayers.Create(CanaryLexicon.Default, ring);
        _marker = new TextMarker(CanaryLexicon.Default, _layers, ring.Global, ring.ForAccount("bench"));
        string corpus = string.Join("\n\n", Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus"), "*.md")
            .Order(StringComparer.Ordinal).Select(File.ReadAllText));
        _answer = corpus[..AnswerLength];
        _loadAnswerWithoutForms = LexiconFreeText.Of(BenchAnswer.Text);
        _deltas = Enumerable.Range(0, (AnswerLength + DeltaLength - 1) / DeltaLength)
            .Select(i => _answer.Substring(i * DeltaLength, Math.Min(DeltaLength, AnswerLength - (i * DeltaLength))))
            .ToArray();
        _markerData = ReachableMemory.Collect(_marker);
        object Field(string name) => typeof(TextMarker).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(_marker)!;
        _lexiconData = ReachableMemory.Collect(Field("_lexicon"), Field("_layers"));
        _choiceCacheData = ReachableMemory.Collect(Field("_global"), Field("_account"));
    }

    /// <summary>
    /// Reads every cache line of the marker's data (lexicon, form table, guard sets, keyed-choice caches) and nothing
    /// of its code: with <c>PREPARE_B=WarmMarkerData</c> and <c>EVICT_KB</c>, side B of <c>interleaved</c> shows how
    /// much of the cold cost is data.
    /// </summary>
    public int WarmMarkerData() => _markerData.Touch();

    /// <summary>Like <see cref="WarmMarkerData"/>, only the lexicon and its layers.</summary>
    public int WarmLexiconData() => _lexiconData.Touch();

    /// <summary>Like <see cref="WarmMarkerData"/>, only the keyed-choice caches.</summary>
    public int WarmChoiceCacheData() => _choiceCacheData.Touch();

    /// <summary>Whole-text marking of one 4 KB answer.</summary>
    [Benchmark(Baseline = true)]
    public string WholeText4KB() => _marker.Mark(_answer);

    /// <summary>Streaming marking of the same answer in 20-character deltas.</summary>
    /// <summary>
    /// The 4 KB answer for an account seen for the first time (a new key, so a new cache): every choice of the account's
    /// key is computed, as for most (context, group) pairs of real traffic.
    /// </summary>
    [Benchmark]
    public string WholeText4KBNewAccount() =>
        new TextMarker(CanaryLexicon.Default, _layers, _ring.Global, LexicalKey.FromBytes("account:new", _ring.AccountSalt)).Mark(_answer);

    [Benchmark]
    public int Streaming20CharDeltas()
    {
        var stream = new StreamingTextMarker(_marker);
        int length = 0;
        foreach (string delta in _deltas)
        {
            length += stream.Append(delta).Length;
        }

        return length + stream.Complete().Length;
    }

    /// <summary>
    /// Whole-text marking of the load test's answer (<see cref="BenchAnswer.Text"/>, 1,625 characters, 52 of its 261 words
    /// lexicon forms). With <c>EVICT_KB=8192</c> in the <c>interleaved</c> comparison its tables and code are out of the
    /// cache at each call, which is about how the Host finds them under load (see docs/benchmarks.md, "Why the hot path looks as it does").
    /// </summary>
    [Benchmark]
    public string LoadAnswer() => _marker.Mark(BenchAnswer.Text);

    /// <summary>The same answer with every lexicon form replaced by a word that is none: the scanner's cost per plain word.</summary>
    [Benchmark]
    public string LoadAnswerWithoutForms() => _marker.Mark(_loadAnswerWithoutForms);

    /// <summary>Only the scan of the load test's answer (its occurrences found, none rewritten).</summary>
    [Benchmark]
    public int LoadAnswerScanOnly()
    {
        var scanner = new LexiconScanner(CanaryLexicon.Default, BenchAnswer.Text);
        int occurrences = 0;
        while (scanner.MoveNext())
        {
            occurrences++;
        }

        return occurrences;
    }
}
