using System.Text;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;
using CanaryService.Core.Text;
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
    private string _answer = null!;
    private string[] _deltas = null!;
    private string _loadAnswerWithoutForms = null!;

    [GlobalSetup]
    public void Setup()
    {
        var ring = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()));
        _marker = new TextMarker(CanaryLexicon.Default, LexiconLayers.Create(CanaryLexicon.Default, ring), ring.Global, ring.ForAccount("bench"));
        string corpus = string.Join("\n\n", Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus"), "*.md")
            .Order(StringComparer.Ordinal).Select(File.ReadAllText));
        _answer = corpus[..AnswerLength];
        _loadAnswerWithoutForms = Regex.Replace(BenchAnswer.Text, "[A-Za-z]+", m => CanaryLexicon.Default.Contains(m.Value) ? new string('q', m.Length) : m.Value);
        _deltas = Enumerable.Range(0, (AnswerLength + DeltaLength - 1) / DeltaLength)
            .Select(i => _answer.Substring(i * DeltaLength, Math.Min(DeltaLength, AnswerLength - (i * DeltaLength))))
            .ToArray();
    }

    /// <summary>Whole-text marking of one 4 KB answer.</summary>
    [Benchmark(Baseline = true)]
    public string WholeText4KB() => _marker.Mark(_answer);

    /// <summary>Streaming marking of the same answer in 20-character deltas.</summary>
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
    /// cache at each call, which is about how the Host finds them under load (see docs/benchmarks.md, stop 16).
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
