"""generate probe (runs in the sandbox).

Greedy cases: one call; the output is compared token for token in the parent.
Sampling cases: the generator is built here from the case's seed. The call runs once
with the global RNG seeded one way, again with the same generator seed and the global
RNG seeded another way (the output must not change), and once with another generator
seed; in the rerun's process a generator with the same seed in a later state goes first
(its output must differ). The parent tests the samples statistically; no seeded token is
ever compared.
"""

import torch


def _generator(seed):
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def _run(entry, inputs, ctx, seed=None):
    args = {k: v.clone() if type(v) is torch.Tensor else v for k, v in inputs.items()}
    if seed is not None:
        args["generator"] = _generator(seed)
    return ctx.call(entry, **args)


def probe(entry, inputs, ctx):
    opts = ctx.options
    after = {k: v for k, v in inputs.items() if type(v) is torch.Tensor}
    if not opts.get("sampling"):
        if "global_seed" in opts:  # the grader's repeatability check: hidden randomness shows across seeds
            torch.manual_seed(opts["global_seed"])
        return {"output": ctx.call(entry, **inputs), "inputs_after": after}
    if opts.get("rerun"):
        # The grader's fresh rerun: a separate process, another global RNG state, the
        # same generator seed. Nothing remembered in one process can fake it.
        torch.manual_seed(opts["global_seeds"][1])
        # First, a generator with the case's seed in a later state (advanced here, its state
        # copied): the output must follow the state, not generator.initial_seed().
        advanced = _generator(opts["seed"])
        torch.rand(opts.get("advance", 997), generator=advanced)
        later = torch.Generator()
        later.set_state(advanced.get_state())
        args = {k: v.clone() if type(v) is torch.Tensor else v for k, v in inputs.items()}
        samples_later = ctx.call(entry, **args, generator=later)
        return {"samples": _run(entry, inputs, ctx, opts["seed"]), "samples_later_state": samples_later}
    torch.manual_seed(opts["global_seeds"][0])
    args = dict(inputs, generator=_generator(opts["seed"]))
    samples = ctx.call(entry, **args)
    other = _run(entry, inputs, ctx, opts["other_seed"])
    # No "output" key: a sampled sequence is never compared with a known mistake's.
    return {"samples": samples, "samples_other_seed": other, "inputs_after": after}
