using CanaryService.Core.Campaigns;
using CanaryService.Core.Issuance;

namespace CanaryService.Application.Probing;

/// <summary>
/// Draws a run's replay prompts: each slot goes to an attribution candidate with probability proportional to its
/// marked volume (the more marked answers an account took, the more a student of it learned), then the account's
/// share is read from its prompt sample (a uniform choice among its retained prompts, each at most once per run) and
/// sent verbatim or, with probability <c>rewordShare</c>, lightly reworded (<see cref="ReplayRewording"/>).
/// </summary>
internal static class ReplayDraw
{
    public static async Task<IReadOnlyList<ProbePrompt>> DrawAsync(
        IPromptSampleLog samples,
        IReadOnlyList<AccountIssuance> candidates,
        int count,
        double rewordShare,
        Random random,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(random);
        double total = candidates.Sum(c => (double)c.MarkedResponses);
        if (count <= 0 || candidates.Count == 0 || total <= 0)
        {
            return [];
        }

#pragma warning disable CA5394 // Seeded on purpose: a run's plan is reproducible from its seed, and not a secret.
        int[] shares = new int[candidates.Count];
        for (int i = 0; i < count; i++)
        {
            double u = random.NextDouble() * total;
            int at = 0;
            while (at < candidates.Count - 1 && (u -= candidates[at].MarkedResponses) >= 0)
            {
                at++;
            }

            shares[at]++;
        }

        List<ProbePrompt> prompts = [];
        for (int i = 0; i < candidates.Count; i++)
        {
            if (shares[i] == 0)
            {
                continue;
            }

            // An account with fewer retained prompts than its share gives what it has; the rest of the run goes to
            // topic and open prompts.
            ulong draw = (ulong)random.NextInt64();
            foreach (SampledPrompt sampled in await samples.ReadAsync(candidates[i].AccountId, shares[i], draw, cancellationToken).ConfigureAwait(false))
            {
                bool reword = random.NextDouble() < rewordShare;
                prompts.Add(reword
                    ? new ProbePrompt(ProbePrompt.ReplayKind, null, null, ReplayRewording.Apply(sampled.Prompt, random.Next()), sampled.AccountId, ProbePrompt.RewordedForm)
                    : new ProbePrompt(ProbePrompt.ReplayKind, null, null, sampled.Prompt, sampled.AccountId, ProbePrompt.VerbatimForm));
            }
        }

        // Interleave accounts, so a budget cut short still replays for several of them.
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(prompts));
#pragma warning restore CA5394
        return prompts;
    }
}
