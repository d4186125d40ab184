"""CS231n lecture 4 as runnable, seeded experiments: one module per topic, each measuring one claim.

    from chainrule import lecture
    result = lecture.run_topic("nonlinearity", "out/nonlinearity", seed=0)
    print(result.table)          # the measured numbers
    result.checks                # {"W2 W1 = W3: max |difference| < 1e-5": True, ...}
    result.report                # out/nonlinearity/report.html, pictures inlined

The same from the shell: ``chainrule lecture`` lists the topics, ``chainrule lecture TOPIC`` runs one.
Topics (lecture section): templates (1.1-1.2), nonlinearity (1.3), activations (2),
size-vs-regularization (3.1), why-backprop (4.1), gates (4.2-4.3), jacobian (4.4).
"""
from .common import Result
from .registry import TOPICS, Topic, get_topic, run_topic, topic_names

__all__ = ["Result", "Topic", "TOPICS", "topic_names", "get_topic", "run_topic"]
