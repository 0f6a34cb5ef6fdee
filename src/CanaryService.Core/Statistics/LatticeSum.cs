using System.Runtime.InteropServices;

namespace CanaryService.Core.Statistics;

/// <summary>
/// The upper tail of a sum of independent integer-valued variables, each with finitely many outcomes:
/// <c>S' = Σ X_j</c>. The lexical watermark's null is of this kind: for each scored (context, group) the keyed form
/// is a uniform draw over the group's forms, so the context's term is one of the group's (weighted) form counts, each
/// with probability <c>1/|g|</c>. A Poisson-binomial count is the special case of 0/1 outcomes.
/// </summary>
/// <remarks>
/// Terms are normalised as they are added: the smallest outcome is moved into <see cref="Offset"/>, equal outcomes are
/// merged and a term with one outcome left is a constant. The tail is then a dynamic programme over the lattice of
/// sums below the observed value (<see cref="ExactUpperTail"/>), or the Chernoff bound when that would cost more than
/// <see cref="ExactCellBudget"/> cells.
/// </remarks>
public sealed class LatticeSum
{
    /// <summary>
    /// The exact programme costs one multiply-add per (outcome, reachable sum below the observed value) cell; up to this
    /// many cells (tens of milliseconds) it is used, beyond it the Chernoff bound (linear time).
    /// </summary>
    public const long ExactCellBudget = 40_000_000;

    private readonly List<int> _values = [];          // outcomes above the term's minimum, ascending, the first 0
    private readonly List<double> _probabilities = [];
    private readonly List<int> _starts = [0];         // shape t's outcomes are [_starts[t], _starts[t + 1])
    private readonly List<int> _multiplicity = [];    // how many terms have shape t
    private readonly Dictionary<long, int> _shapes;   // (start << 16 | length) of a shape's outcomes → its index
    private readonly Dictionary<double, int> _bernoulli = [];   // p → the index of the shape {0: 1 − p, 1: p}
    private readonly Dictionary<long, int> _uniform = [];      // a small uniform term's sorted outcomes → its shape (−1: constant)

    /// <summary>How many non-constant terms have been added.</summary>
    public int Terms { get; private set; }

    // Terms of one shape (outcomes and probabilities) are stored once: most lexical terms are a pair written once,
    // i.e. 0/1 with probability 1/|g|, so a few shapes cover thousands of terms and the Chernoff search is cheap.
    private int Shapes => _starts.Count - 1;

    /// <summary>The sum of every term's smallest outcome (and of the constant terms): the least value of the sum.</summary>
    public long Offset { get; private set; }

    /// <summary>The largest value the sum can take.</summary>
    public long Maximum => Offset + _range;

    /// <summary>The expected value of the sum.</summary>
    public double Mean => Offset + _meanAboveOffset;

    private long _range;
    private double _meanAboveOffset;

    /// <summary>Creates an empty sum (0 with certainty).</summary>
    public LatticeSum() => _shapes = new Dictionary<long, int>(new ShapeComparer(this));

    /// <summary>Adds a term that takes each of <paramref name="values"/> with equal probability (a value may repeat).</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative.</exception>
    public void AddUniform(ReadOnlySpan<int> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("A term needs at least one outcome.", nameof(values));
        }

        // The common small term (a group's counts: at most four forms, small counts) is keyed by its sorted outcomes
        // above the minimum, so a known shape costs a sort of four numbers and one lookup.
        if (values.Length <= 4)
        {
            Span<int> sorted = stackalloc int[4];
            values.CopyTo(sorted);
            sorted = sorted[..values.Length];
            sorted.Sort();
            int minimum = sorted[0];
            ArgumentOutOfRangeException.ThrowIfNegative(minimum, nameof(values));
            if (sorted[^1] - minimum < 1 << 12)
            {
                long key = values.Length;
                int total = 0;
                for (int i = 0; i < sorted.Length; i++)
                {
                    key = (key << 12) | (uint)(sorted[i] - minimum);
                    total += sorted[i] - minimum;
                }

                if (_uniform.TryGetValue(key, out int shape))
                {
                    Offset += minimum;
                    if (shape >= 0)
                    {
                        _multiplicity[shape]++;
                        Terms++;
                        _range += sorted[^1] - minimum;
                        _meanAboveOffset += (double)total / sorted.Length;
                    }

                    return;
                }

                int shapes = Shapes;
                AddUniformGeneral(sorted);
                if (sorted[^1] == minimum)
                {
                    _uniform[key] = -1;
                }
                else if (Shapes > shapes)
                {
                    _uniform[key] = shapes;   // (a shape first stored by another kind of term is simply not cached)
                }

                return;
            }
        }

        AddUniformGeneral(values);
    }

    private void AddUniformGeneral(ReadOnlySpan<int> values)
    {
        Span<double> probabilities = values.Length <= 64 ? stackalloc double[values.Length] : new double[values.Length];
        probabilities.Fill(1.0 / values.Length);
        Add(values, probabilities);
    }

    /// <summary>Adds a Bernoulli term: 1 with probability <paramref name="probability"/>, else 0.</summary>
    public void AddBernoulli(double probability)
    {
        // The commonest term (a pair written once): skip the general normalisation once its shape is known.
        if (probability > 0 && probability < 1 && _bernoulli.TryGetValue(probability, out int shape))
        {
            _multiplicity[shape]++;
            Terms++;
            _range++;
            _meanAboveOffset += probability;
            return;
        }

        ReadOnlySpan<int> values = [0, 1];
        int shapes = Shapes;
        Add(values, [1 - probability, probability]);
        if (Shapes > shapes)
        {
            _bernoulli[probability] = shapes;
        }
    }

    /// <summary>Adds a term that takes <c>values[i]</c> with probability <c>probabilities[i]</c>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length or are empty, or the probabilities do not sum to 1.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or a probability is outside [0, 1].</exception>
    public void Add(ReadOnlySpan<int> values, ReadOnlySpan<double> probabilities)
    {
        if (values.IsEmpty || values.Length != probabilities.Length)
        {
            throw new ArgumentException("A term needs as many probabilities as outcomes, and at least one.", nameof(probabilities));
        }

        double total = 0;
        int minimum = int.MaxValue;
        for (int i = 0; i < values.Length; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(values[i], nameof(values));
            if (!(probabilities[i] >= 0 && probabilities[i] <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(probabilities), probabilities[i], "Every probability must be in [0, 1].");
            }

            total += probabilities[i];
            if (probabilities[i] > 0)
            {
                minimum = Math.Min(minimum, values[i]);
            }
        }

        if (Math.Abs(total - 1) > 1e-9)
        {
            throw new ArgumentException($"The probabilities of a term sum to {total}, not 1.", nameof(probabilities));
        }

        // Outcomes relative to the minimum, equal ones merged (groups are small: an insertion sort is enough).
        int start = _values.Count;
        for (int i = 0; i < values.Length; i++)
        {
            if (probabilities[i] <= 0)
            {
                continue;
            }

            int value = values[i] - minimum;
            int at = start;
            while (at < _values.Count && _values[at] < value)
            {
                at++;
            }

            if (at < _values.Count && _values[at] == value)
            {
                _probabilities[at] += probabilities[i];
            }
            else
            {
                _values.Insert(at, value);
                _probabilities.Insert(at, probabilities[i]);
            }
        }

        Offset += minimum;
        if (_values.Count - start == 1)
        {
            // A constant: it only shifts the sum.
            _values.RemoveAt(start);
            _probabilities.RemoveAt(start);
            return;
        }

        for (int i = start; i < _values.Count; i++)
        {
            _meanAboveOffset += _values[i] * _probabilities[i];
        }

        _range += _values[^1];
        Terms++;
        long shape = ((long)start << 16) | (uint)(_values.Count - start);
        if (_values.Count - start < 1 << 16 && _shapes.TryGetValue(shape, out int known))
        {
            _multiplicity[known]++;
            _values.RemoveRange(start, _values.Count - start);
            _probabilities.RemoveRange(start, _probabilities.Count - start);
            return;
        }

        if (_values.Count - start < 1 << 16)
        {
            _shapes.Add(shape, Shapes);
        }

        _multiplicity.Add(1);
        _starts.Add(_values.Count);
    }

    /// <summary>How many cells the exact programme needs for <paramref name="observed"/>.</summary>
    public long ExactCells(long observed)
    {
        long target = observed - Offset;
        if (target <= 0)
        {
            return 0;
        }

        long cells = 0, reach = 0;
        for (int t = 0; t < Shapes; t++)
        {
            for (int m = 0; m < _multiplicity[t]; m++)
            {
                reach += _values[_starts[t + 1] - 1];
                cells += (_starts[t + 1] - _starts[t]) * Math.Min(reach + 1, target);
                if (reach >= target)
                {
                    // Every further term of every shape costs its outcomes × target.
                    cells += (_starts[t + 1] - _starts[t]) * target * (long)(_multiplicity[t] - m - 1);
                    for (int u = t + 1; u < Shapes; u++)
                    {
                        cells += (_starts[u + 1] - _starts[u]) * target * (long)_multiplicity[u];
                    }

                    return cells;
                }
            }
        }

        return cells;
    }

    /// <summary>
    /// <c>P(S' ≥ observed)</c>: exact when it costs at most <see cref="ExactCellBudget"/> cells, otherwise the Chernoff
    /// bound, which is never below the exact value.
    /// </summary>
    public TailProbability UpperTail(long observed) =>
        ExactCells(observed) <= ExactCellBudget ? ExactUpperTail(observed) : ChernoffUpperTail(observed);

    /// <summary><c>P(S' ≥ observed)</c> exactly, by dynamic programming over the sums below it.</summary>
    public TailProbability ExactUpperTail(long observed)
    {
        long targetLong = observed - Offset;
        if (targetLong <= 0)
        {
            return TailProbability.One;
        }

        if (targetLong > _range)
        {
            return TailProbability.FromValue(0, TailMethod.Exact);
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(targetLong, int.MaxValue / 2, nameof(observed));
        int target = (int)targetLong;

        // below[k] = P(partial sum = k) for k < target; mass that reaches the target is absorbed into `tail`. Only
        // additions of non-negative terms: no cancellation, so tiny tails keep their relative accuracy (gradual
        // underflow loses at most ~1e-317 in total, far below the 1e-300 floor).
        var below = new double[target];
        below[0] = 1.0;
        double tail = 0.0;
        int reach = 0;   // below[k] is zero for every k > reach
        ReadOnlySpan<int> values = CollectionsMarshal.AsSpan(_values);
        ReadOnlySpan<double> probabilities = CollectionsMarshal.AsSpan(_probabilities);
        for (int t = 0; t < Shapes; t++)
        {
            int from = _starts[t], to = _starts[t + 1];
            for (int m = 0; m < _multiplicity[t]; m++)
            {
                int top = Math.Min(reach, target - 1);

                // Mass that this term pushes to the target or beyond: for outcome v, every below[k] with
                // target − v ≤ k ≤ top (at most v cells).
                for (int i = from + 1; i < to; i++)
                {
                    double reached = 0;
                    for (int k = Math.Max(target - values[i], 0); k <= top; k++)
                    {
                        reached += below[k];
                    }

                    tail += probabilities[i] * reached;
                }

                // In place from the top down: new[k] = Σ p_i · below[k − v_i] reads only indices ≤ k, not yet
                // overwritten (outcomes ascend from v = 0).
                int newTop = (int)Math.Min((long)reach + values[to - 1], target - 1);
                if (to - from == 2)
                {
                    Convolve(below.AsSpan(0, newTop + 1), values[from + 1], probabilities[from], probabilities[from + 1]);
                }
                else
                {
                    double p0 = probabilities[from];
                    for (int k = newTop; k >= 0; k--)
                    {
                        double sum = below[k] * p0;
                        for (int i = from + 1; i < to; i++)
                        {
                            int source = k - values[i];
                            if (source < 0)
                            {
                                break;
                            }

                            sum += below[source] * probabilities[i];
                        }

                        below[k] = sum;
                    }
                }

                reach = newTop;
            }
        }

        return TailProbability.FromValue(tail, TailMethod.Exact);
    }

    // The common two-outcome term (0 with p0, v with p1), in place from the top down.
    private static void Convolve(Span<double> below, int v, double p0, double p1)
    {
        for (int k = below.Length - 1; k >= v; k--)
        {
            below[k] = (below[k] * p0) + (below[k - v] * p1);
        }

        for (int k = Math.Min(v, below.Length) - 1; k >= 0; k--)
        {
            below[k] *= p0;
        }
    }

    /// <summary>
    /// The Chernoff bound <c>exp(−sup_θ [θ·s − Σ log E e^(θ X_j)])</c> on <c>P(S' ≥ observed)</c>, computed in log space:
    /// linear time per step, valid (conservative) for every size.
    /// </summary>
    public TailProbability ChernoffUpperTail(long observed)
    {
        double target = observed - Offset;
        if (target <= _meanAboveOffset)
        {
            // The supremum is at θ = 0: the bound is 1.
            return TailProbability.One;
        }

        if (target > _range)
        {
            return TailProbability.FromValue(0, TailMethod.Exact);
        }

        if (target == _range)
        {
            // The supremum is approached as θ → ∞ and equals the exact value: every term at its largest outcome.
            double logAll = 0;
            for (int t = 0; t < Shapes; t++)
            {
                logAll += _multiplicity[t] * Math.Log(_probabilities[_starts[t + 1] - 1]);
            }

            return TailProbability.FromLog(logAll, TailMethod.Exact);
        }

        // f(θ) = Σ E_θ[X_j] (the tilted mean) increases in θ; find its root at the target, bracketed and safeguarded
        // (Newton inside a shrinking bracket, the slope being the tilted variance).
        double lo = 0, hi = 1;
        while (Tilted(hi).Mean < target && hi < 1e6)
        {
            lo = hi;
            hi *= 2;
        }

        double theta = 0.5 * (lo + hi);
        for (int iteration = 0; iteration < 200; iteration++)
        {
            (double mean, double variance, _) = Tilted(theta);
            double gap = mean - target;
            if (gap > 0)
            {
                hi = theta;
            }
            else
            {
                lo = theta;
            }

            if (Math.Abs(gap) < 1e-10 * target || hi - lo < 1e-13 * Math.Max(1, theta))
            {
                break;
            }

            double next = variance > 0 ? theta - (gap / variance) : double.NaN;
            theta = next > lo && next < hi ? next : 0.5 * (lo + hi);
        }

        // Any θ ≥ 0 gives a valid bound, so an imperfect root only makes the bound a little looser.
        double logBound = Tilted(theta).LogMgf - (theta * target);
        return TailProbability.FromLog(logBound, TailMethod.ChernoffBound);
    }

    // The mean, variance and log moment-generating function of the sum (above the offset) under tilt θ ≥ 0, each term
    // evaluated relative to its largest outcome so that nothing overflows.
    private (double Mean, double Variance, double LogMgf) Tilted(double theta)
    {
        double mean = 0, variance = 0, logMgf = 0;
        for (int t = 0; t < Shapes; t++)
        {
            int from = _starts[t], to = _starts[t + 1];
            int top = _values[to - 1];
            double z = 0, first = 0, second = 0;
            for (int i = from; i < to; i++)
            {
                double weight = _probabilities[i] * Math.Exp(theta * (_values[i] - top));
                z += weight;
                first += weight * _values[i];
                second += weight * _values[i] * (double)_values[i];
            }

            double m = first / z;
            int count = _multiplicity[t];
            mean += count * m;
            variance += count * Math.Max(0, (second / z) - (m * m));
            logMgf += count * ((theta * top) + Math.Log(z));
        }

        return (mean, variance, logMgf);
    }

    // Compares two shapes by their outcomes and probabilities (bit for bit), read from the owner's lists; a key is
    // (start << 16 | length), and a candidate shape sits at the end of the lists while it is looked up.
    private sealed class ShapeComparer(LatticeSum owner) : IEqualityComparer<long>
    {
        public bool Equals(long x, long y)
        {
            (int xs, int xl) = Split(x);
            (int ys, int yl) = Split(y);
            if (xl != yl)
            {
                return false;
            }

            ReadOnlySpan<int> values = CollectionsMarshal.AsSpan(owner._values);
            ReadOnlySpan<double> probabilities = CollectionsMarshal.AsSpan(owner._probabilities);
            for (int i = 0; i < xl; i++)
            {
                if (values[xs + i] != values[ys + i] ||
                    BitConverter.DoubleToInt64Bits(probabilities[xs + i]) != BitConverter.DoubleToInt64Bits(probabilities[ys + i]))
                {
                    return false;
                }
            }

            return true;
        }

        public int GetHashCode(long obj)
        {
            (int start, int length) = Split(obj);
            var hash = new HashCode();
            for (int i = start; i < start + length; i++)
            {
                hash.Add(owner._values[i]);
                hash.Add(owner._probabilities[i]);
            }

            return hash.ToHashCode();
        }

        private static (int Start, int Length) Split(long key) => ((int)(key >> 16), (int)(key & 0xFFFF));
    }
}
