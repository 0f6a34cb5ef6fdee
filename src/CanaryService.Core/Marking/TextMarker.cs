using System.Buffers;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;

namespace CanaryService.Core.Marking;

/// <summary>
/// The lexical watermark on whole texts: rewrites each eligible lexicon occurrence to the form its key prefers
/// after the previous output word (global key for half of the groups, account key for the other half), keeping
/// capitalisation. Protected regions are never touched; marking marked text changes nothing.
/// </summary>
public sealed class TextMarker
{
    private readonly CanaryLexicon _lexicon;
    private readonly LexiconLayers _layers;
    private readonly PreferredFormCache _global;
    private readonly PreferredFormCache _account;

    /// <summary>Creates a marker for one account.</summary>
    public TextMarker(CanaryLexicon lexicon, LexiconLayers layers, LexicalKey globalKey, LexicalKey accountKey)
    {
        ArgumentNullException.ThrowIfNull(lexicon);
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(globalKey);
        ArgumentNullException.ThrowIfNull(accountKey);
        _lexicon = lexicon;
        _layers = layers;
        _global = PreferredFormCache.For(globalKey);
        _account = PreferredFormCache.For(accountKey);
    }

    /// <summary>Marks a whole text. Null gives an empty string; a text with nothing to change comes back as the same instance.</summary>
    public string Mark(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var output = new MarkedOutput(text.Length);
        try
        {
            var state = ScannerState.Initial;
            Mark(text, ref state, isFinal: true, ref output);
            return output.Changed ? output.ToString() : text;
        }
        finally
        {
            output.Dispose();
        }
    }

    /// <summary>Marks as much of <paramref name="text"/> as is decided, appends it to <paramref name="output"/> and returns how much was consumed.</summary>
    internal int Mark(ReadOnlySpan<char> text, ref ScannerState state, bool isFinal, ref MarkedOutput output)
    {
        var scanner = new LexiconScanner(_lexicon, text, state, isFinal);
        int copied = 0;
        while (scanner.MoveNext())
        {
            var occurrence = scanner.Current;
            LexiconGroup group = occurrence.Group;
            PreferredFormCache key = _layers.IsGlobal(group.Index) ? _global : _account;
            int preferred = occurrence.IsForced ? occurrence.ForcedFormIndex : key.PreferredIndex(occurrence.Context, group.Id, group.Forms.Length);
            if (preferred != occurrence.FormIndex)
            {
                output.Append(text[copied..occurrence.Start]);
                output.AppendCased(group.Forms[preferred], occurrence.Casing);
                copied = occurrence.Start + occurrence.Length;
                scanner.SetOutputForm(preferred);
            }
        }

        int consumed = scanner.Consumed;
        output.Append(text[copied..consumed]);
        state = scanner.State;
        return consumed;
    }
}

/// <summary>A pooled, growable character buffer that remembers whether anything was rewritten.</summary>
internal struct MarkedOutput : IDisposable
{
    private readonly bool _pooled;
    private char[] _buffer;
    private bool _ownsGrown; // the buffer is one this output rented while growing
    private int _length;

    public MarkedOutput(int capacity)
    {
        _buffer = ArrayPool<char>.Shared.Rent(Math.Max(capacity + 16, 64));
        _pooled = true;
        _length = 0;
        Changed = false;
    }

    private MarkedOutput(char[] buffer)
    {
        _buffer = buffer;
        _pooled = false;
        _length = 0;
        Changed = false;
    }

    /// <summary>The buffer written to: the caller's own one, or a larger rented array once it outgrew it.</summary>
    public readonly char[] Buffer => _buffer;

    /// <summary>
    /// Writes into a buffer the caller keeps (a stream's, reused for every delta) instead of a pooled one. Growing rents
    /// a larger array and leaves the caller's alone; <see cref="Dispose"/> returns nothing, so the caller takes
    /// <see cref="Buffer"/> over (and gives it back to the pool in the end).
    /// </summary>
    public static MarkedOutput Over(char[] buffer) => new(buffer);

    public bool Changed { get; private set; }

    public readonly int Length => _length;

    public readonly ReadOnlySpan<char> Written => _buffer.AsSpan(0, _length);

    public void Append(scoped ReadOnlySpan<char> text)
    {
        Ensure(text.Length);
        text.CopyTo(_buffer.AsSpan(_length));
        _length += text.Length;
    }

    public void AppendCased(string form, WordCasing casing)
    {
        Changed = true;
        Ensure(form.Length);
        Span<char> target = _buffer.AsSpan(_length, form.Length);
        switch (casing)
        {
            case WordCasing.Upper:
                form.AsSpan().ToUpperInvariant(target);
                break;
            case WordCasing.Title:
                form.AsSpan().CopyTo(target);
                target[0] = char.ToUpperInvariant(target[0]);
                break;
            default:
                form.AsSpan().CopyTo(target);
                break;
        }

        _length += form.Length;
    }

    public void MarkChanged() => Changed = true;

    public void Clear() => _length = 0;

    public override readonly string ToString() => new(_buffer, 0, _length);

    public void Dispose()
    {
        if (_pooled && _buffer is not null)
        {
            ArrayPool<char>.Shared.Return(_buffer);
            _buffer = null!;
        }
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }

        int size = Math.Max(Math.Max(_buffer.Length * 2, _length + extra), 64);
        char[] larger = ArrayPool<char>.Shared.Rent(size);
        _buffer.AsSpan(0, _length).CopyTo(larger);
        if (_pooled || _ownsGrown)
        {
            ArrayPool<char>.Shared.Return(_buffer);
        }

        _buffer = larger;
        _ownsGrown = true;
    }
}
