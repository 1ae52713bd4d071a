"""Run the entry point on many cases in one child (localisation's stage checks).

A stage check only says which building block to look at, never a verdict, so the
isolation of one process per case is traded for speed: one fork for all of a stage's
cases. Each case's failure is caught and recorded, so one bad case does not hide the
others. Runs inside the sandbox child, loaded by path like a problem's probe.py."""

import torch


def probe(entry, inputs, ctx):
    results = []
    for case_inputs in inputs["cases"]:
        try:
            output = ctx.call(entry, **case_inputs)
        except Exception as exc:  # a ChildFailure (wrong signature) carries its status
            status = getattr(exc, "status", None) or ("banned" if type(exc).__name__ == "BannedAPIError"
                                                       else "exception")
            results.append({"status": status, "message": f"{type(exc).__name__}: {exc}"[:500]})
            continue
        after = {k: v for k, v in case_inputs.items() if type(v) is torch.Tensor}
        results.append({"status": "ok", "value": {"output": output, "inputs_after": after}})
    return {"results": results}
