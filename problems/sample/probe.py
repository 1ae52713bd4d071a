"""Probe for `sample`: runs INSIDE the sandbox, next to the learner's code.

A case gives R distinct distributions (`probs`, shape (R, V)). The probe stacks
`draws` copies of them into one batch of R * draws rows (row i follows distribution
i % R), calls `sample` once on it with a generator seeded from the case, and sends back
the draws. The parent judges them: ids in range, never a token of probability 0, and a
chi-square test per case. For the reproducibility case it also calls `sample` with
another generator seed, twice on one generator (the two calls' draws must be
independent) and on a single row; and the grader runs that case a second
time in a separate process (option `fresh_rerun`), where the probe reseeds the global
RNG differently and draws with the same generator seed: a sampler that remembers its
answers within one process cannot fake reproducibility. There it first draws with a
generator of the same initial seed in a later state, which must give other draws.

Nothing here is a verdict: "output" (the observed frequencies) only helps name a known
mistake after the parent has judged the raw draws itself.
"""

import torch


def _generator(seed: int) -> torch.Generator:
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def frequencies(draws, R: int, V: int):
    """(R, V) float64: how often each token was drawn for each distinct row, or None
    when the draws are not a 1-D int64 tensor of the batch's length."""
    if type(draws) is not torch.Tensor or draws.dtype != torch.int64 or draws.dim() != 1 or draws.numel() % R:
        return None
    n = draws.numel() // R
    by_row = draws.reshape(n, R)  # column r: the draws of distribution r
    freq = torch.zeros(R, V, dtype=torch.float64)
    for r in range(R):
        col = by_row[:, r]
        col = col[(col >= 0) & (col < V)]
        freq[r] = torch.bincount(col, minlength=V).double() / n
    return freq


def probe(entry, inputs, ctx):
    rows = inputs["probs"]  # (R, V)
    R, V = rows.shape
    opts = ctx.options
    batch = rows.repeat(opts["draws"], 1)  # (R * draws, V)
    out = {}
    if opts.get("rerun"):
        # A separate process (the grader's fresh rerun), another global RNG state, the
        # same generator seed: only the generator may decide the draws.
        torch.default_generator.manual_seed(opts["global_seeds"][1])
        # First, before any call with the plain seed: a generator with the same initial seed
        # in a later state (its state set from one advanced by the probe). Draws must follow the
        # state: a sampler keyed on initial_seed() (and a count of calls) repeats the first run.
        advanced = _generator(opts["seed"])
        torch.rand(opts.get("advance", 997), generator=advanced)
        later = torch.Generator()
        later.set_state(advanced.get_state())
        out["draws_later_state"] = ctx.call(entry, rows.repeat(opts["draws"], 1), later)
        out["draws"] = ctx.call(entry, batch, _generator(opts["seed"]))
        return out
    torch.default_generator.manual_seed(opts["global_seeds"][0])
    out["draws"] = ctx.call(entry, batch, _generator(opts["seed"]))
    if opts.get("reproducible"):
        given = rows.repeat(opts["draws"], 1)  # fresh: the first call may have changed `batch`
        out["draws_other_seed"] = ctx.call(entry, given, _generator(opts["other_seed"]))
        out["probs_after"] = given
        advanced = _generator(opts["seed"])  # two calls on one generator: the second must draw afresh
        out["draws_before_advance"] = ctx.call(entry, rows.repeat(opts["draws"], 1), advanced)
        out["draws_after_advance"] = ctx.call(entry, rows.repeat(opts["draws"], 1), advanced)
        out["one_row"] = ctx.call(entry, rows[:1].clone(), _generator(opts["seed"]))
    freq = frequencies(out["draws"], R, V)
    if freq is not None:
        out["output"] = freq
    return out
