"""Samplers for the `sample` problem, as a learner would write them: correct ones in
different styles, and wrong ones with the known mistake each should be named as
(None: it must fail, but no distribution-level mistake explains it). Shared by
tests/test_sample.py and benchmarks/sampling_power.py."""

CORRECT = {
    "cumsum-searchsorted": """
        import torch
        def sample(probs, generator):
            cdf = probs.cumsum(dim=-1)
            u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
            idx = torch.searchsorted(cdf, u, right=True).squeeze(-1)
            return idx.clamp(max=probs.shape[-1] - 1)
    """,
    "gumbel-max": """
        import torch
        def sample(probs, generator):
            u = torch.rand(probs.shape, generator=generator, dtype=torch.float64).clamp_min(1e-300)
            gumbel = -torch.log(-torch.log(u))
            return (probs.double().log() + gumbel).argmax(dim=-1)
    """,
    "python-loop-over-rows": """
        import torch
        def sample(probs, generator):
            us = torch.rand(probs.shape[0], generator=generator, dtype=torch.float64).tolist()
            out = []
            for row, u in zip(probs.tolist(), us):
                u *= sum(row)
                acc, pick = 0.0, None
                for i, p in enumerate(row):
                    acc += p
                    if p > 0:
                        pick = i
                        if acc > u:
                            break
                out.append(pick)
            return torch.tensor(out, dtype=torch.int64)
    """,
    "count-below-u": """
        import torch
        def sample(probs, generator):
            cdf = probs.double().cumsum(-1)
            u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
            return (cdf <= u).sum(dim=-1)
    """,
}

WRONG = {
    "argmax": ("argmax instead of a draw", """
        import torch
        def sample(probs, generator):
            return probs.argmax(dim=-1)
    """),
    "off-by-one: exclusive cumsum": ("inverse CDF one token late", """
        import torch
        def sample(probs, generator):
            starts = probs.cumsum(dim=-1) - probs          # where each token's interval starts
            u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
            return (u > starts).sum(dim=-1)
    """),
    "off-by-one: minus one": ("inverse CDF one token early", """
        import torch
        def sample(probs, generator):
            cdf = probs.cumsum(dim=-1)
            u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
            return torch.searchsorted(cdf, u).squeeze(-1) - 1
    """),
    "flipped comparison": ("distribution flipped", """
        import torch
        def sample(probs, generator):
            cdf = probs.cumsum(dim=-1)
            u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
            return (u < cdf).sum(dim=-1) - 1
    """),
    "ignores the last token": ("last token never drawn", """
        import torch
        def sample(probs, generator):
            cdf = probs[:, :-1].cumsum(dim=-1)
            u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype) * cdf[:, -1:]
            return (cdf <= u).sum(dim=-1)
    """),
    "uniform over the support": ("uniform over the allowed tokens", """
        import torch
        def sample(probs, generator):
            scores = torch.rand(probs.shape, generator=generator) * (probs > 0)
            return scores.argmax(dim=-1)
    """),
    "global RNG (torch.rand without generator)": ("global RNG instead of the generator", """
        import torch
        def sample(probs, generator):
            cdf = probs.cumsum(dim=-1)
            u = torch.rand(probs.shape[0], 1, dtype=probs.dtype)
            return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)
    """),
    "fixed seed instead of the generator": ("a fixed seed instead of the generator", """
        import torch
        def sample(probs, generator):
            mine = torch.Generator().manual_seed(1234)
            cdf = probs.cumsum(dim=-1)
            u = torch.rand(probs.shape[0], 1, generator=mine, dtype=probs.dtype)
            return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)
    """),
    # No known mistake: the evidence layer's property (independent rows) names it.
    "one random number for the whole batch": ("within one call every row drew the same token, and the token changed "
                                              "with the generator seed: the rows of a call are not drawn independently "
                                              "of each other", """
        import torch
        def sample(probs, generator):
            cdf = probs.cumsum(dim=-1)
            u = torch.rand(1, generator=generator, dtype=probs.dtype).expand(probs.shape[0], 1).contiguous()
            return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)
    """),
    "numpy's global RNG": ("global RNG instead of the generator", """
        import numpy as np
        import torch
        def sample(probs, generator):
            cdf = probs.double().cumsum(dim=-1)
            u = torch.from_numpy(np.random.rand(probs.shape[0], 1)) * cdf[:, -1:]
            return (cdf <= u).sum(dim=-1)
    """),
    # No experiment explains it; the failing check's rule (the output's shape) names it.
    "returns shape (N, 1)": ("draws: shape is (20000, 1), expected (20000,): one token id per row of probs", """
        import torch
        def sample(probs, generator):
            cdf = probs.cumsum(dim=-1)
            u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
            return torch.searchsorted(cdf, u, right=True).clamp(max=probs.shape[-1] - 1)
    """),
}

# Each is refused by a ban (static scan, run-time guard or both), whatever it draws.
BANNED = {
    "torch.multinomial": """
        import torch
        def sample(probs, generator):
            return torch.multinomial(probs, 1, generator=generator).squeeze(-1)
    """,
    "Tensor.multinomial (run time)": """
        import torch
        def sample(probs, generator):
            return probs.multinomial(1, generator=generator).squeeze(-1)
    """,
    "torch.ops.aten.multinomial": """
        import torch
        def sample(probs, generator):
            return torch.ops.aten.multinomial(probs, 1, generator=generator).squeeze(-1)
    """,
    "torch.distributions": """
        import torch
        def sample(probs, generator):
            return torch.distributions.Categorical(probs=probs).sample()
    """,
    "random": """
        import random
        import torch
        def sample(probs, generator):
            return torch.tensor([random.choices(range(len(r)), weights=r)[0] for r in probs.tolist()])
    """,
}

# Samplers whose marginals are right but which break the rest of the contract: draws not
# independent across rows or across calls, or not decided by the generator's STATE
# (issue 16, class 7). Each must fail; the value is a fragment of the failing message.
# Written before the judges tested joint structure: all but the van der Corput one passed then.
CONTRACT_BREAKERS = {
    "golden-ratio rows (one uniform per call)": ("too evenly spread", """
        import torch
        def sample(probs, generator):
            u0 = torch.rand(1, generator=generator, dtype=torch.float64)
            i = torch.arange(probs.shape[0], dtype=torch.float64)
            u = ((u0 + i * 0.6180339887498949) % 1.0)[:, None]
            cdf = probs.double().cumsum(-1)
            return (cdf <= u * cdf[:, -1:]).sum(-1).clamp(max=probs.shape[-1] - 1)
    """),
    "van der Corput rows, random shift": ("", """
        import torch
        def sample(probs, generator):
            N = probs.shape[0]
            i = torch.arange(N, dtype=torch.int64)
            u = torch.zeros(N, dtype=torch.float64)
            f = 0.5
            while bool((i > 0).any()):
                u += (i % 2).double() * f
                i = i // 2
                f /= 2
            u = ((u + torch.rand(1, generator=generator, dtype=torch.float64)) % 1.0)[:, None]
            cdf = probs.double().cumsum(-1)
            return (cdf <= u * cdf[:, -1:]).sum(-1).clamp(max=probs.shape[-1] - 1)
    """),
    "antithetic rows (u, 1 - u)": ("neighbouring rows", """
        import torch
        def sample(probs, generator):
            N = probs.shape[0]
            half = torch.rand((N + 1) // 2, generator=generator, dtype=torch.float64)
            u = torch.stack([half, 1.0 - half], dim=1).reshape(-1)[:N, None]
            cdf = probs.double().cumsum(-1)
            return (cdf <= u * cdf[:, -1:]).sum(-1).clamp(max=probs.shape[-1] - 1)
    """),
    "stratified rows (a permutation of N strata)": ("too evenly spread", """
        import torch
        def sample(probs, generator):
            N = probs.shape[0]
            perm = torch.randperm(N, generator=generator).double()
            u = ((perm + torch.rand(N, generator=generator, dtype=torch.float64)) / N)[:, None]
            cdf = probs.double().cumsum(-1)
            return (cdf <= u * cdf[:, -1:]).sum(-1).clamp(max=probs.shape[-1] - 1)
    """),
    "successive calls shifted by the golden ratio": ("two successive calls on one generator", """
        import torch
        _last = {}
        def sample(probs, generator):
            N = probs.shape[0]
            key = (id(generator), N)
            if key in _last:
                u = (_last[key] + 0.6180339887498949) % 1.0
            else:
                u = torch.rand(N, 1, generator=generator, dtype=torch.float64)
            _last[key] = u
            cdf = probs.double().cumsum(-1)
            return (cdf <= u * cdf[:, -1:]).sum(-1).clamp(max=probs.shape[-1] - 1)
    """),
    "global RNG reseeded from (initial_seed, call count)": ("", """
        import torch
        _calls = {}
        def sample(probs, generator):
            seed = generator.initial_seed()
            _calls[seed] = _calls.get(seed, 0) + 1
            torch.manual_seed((seed * 1000003 + _calls[seed]) % (2 ** 63))
            u = torch.rand(probs.shape[0], 1, dtype=torch.float64)
            cdf = probs.double().cumsum(-1)
            return (cdf <= u * cdf[:, -1:]).sum(-1).clamp(max=probs.shape[-1] - 1)
    """),
    "own generator from (initial_seed, calls on this generator)": ("advanced beyond its seed", """
        import torch
        _calls = {}
        def sample(probs, generator):
            n = _calls.get(id(generator), 0)
            _calls[id(generator)] = n + 1
            mine = torch.Generator().manual_seed(generator.initial_seed() + 7919 * n)
            u = torch.rand(probs.shape[0], 1, generator=mine, dtype=torch.float64)
            cdf = probs.double().cumsum(-1)
            return (cdf <= u * cdf[:, -1:]).sum(-1).clamp(max=probs.shape[-1] - 1)
    """),
    "advances the generator but ignores its output": ("", """
        import torch
        _calls = {}
        def sample(probs, generator):
            torch.rand(probs.shape[0], generator=generator)  # advanced, and thrown away
            seed = generator.initial_seed()
            _calls[seed] = _calls.get(seed, 0) + 1
            mine = torch.Generator().manual_seed(seed ^ _calls[seed])
            u = torch.rand(probs.shape[0], 1, generator=mine, dtype=torch.float64)
            cdf = probs.double().cumsum(-1)
            return (cdf <= u * cdf[:, -1:]).sum(-1).clamp(max=probs.shape[-1] - 1)
    """),
    "ids clamped to the number of rows": ("which has probability 0", """
        import torch
        def sample(probs, generator):
            cdf = probs.double().cumsum(-1)
            u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
            return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[0] - 1)
    """),
}
