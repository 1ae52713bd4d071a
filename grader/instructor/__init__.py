"""The instructor's work: scaffold and validate problems (authoring.py,
validate.py, signature.py, calibration.py, examples.py), grade a class (batch.py,
gradebook.py, dask_grading.py, class_report.py), hand off to other tools (export.py,
gradescope.py, fixtures_write.py, learner_package.py, wheel.py).

May import: the verdict wing and everything below it.
Must never: import the learner's wing, or run learner code outside the sandbox."""
