"""Rules for the lmi stack (AWS LMI / DJL Serving v8 to v27), reference lmi_ground_truth.md.

Modules: prefill_default (LMI001, v12), deepspeed (LMI002-007, v10), lmi_dist (LMI008-016, v15: lmi-dist,
scheduler, the T5 guard, speculative keys), keys (LMI017-032: single-key removals, renames, typos, conflicts),
async_mode (LMI033-038, v17), guidance (LMI040-051: client-side and default changes), options + inventory
(LMI060-061: per-release option inventory), sdk (LMI070-075: SageMaker SDK), images (LMI080-081: image tags),
precedence (LMI026, LMI057, LMI058: env versus file). Shared helpers: common.
"""
