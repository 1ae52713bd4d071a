"""How a learner's output differs from a right one, and why: comparisons with
tolerance and chi-square tests (compare.py), single-edit variants of a reference
(variants.py), ablation through the weights (ablation.py), properties of a right answer
(properties.py, common_props.py, sampling_props.py, propkit.py), and what a diagnosis rests
on and how sure it is (finding.py).

May import: the course wing (cases, tolerances).
Must never: run learner code itself (it hands cases to the verdict wing, which runs
them in the sandbox), or guess: a cause is named only when it is proven."""
