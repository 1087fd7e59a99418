"""The identifier-resolution node: its rules, its requests, and the engines that run it.

``rules`` (arrival order, service and admission, timeout and SLA judgement, outcomes) is
shared by the event engine (``event``), the batched engine (``batched`` over the compiled
queue ``fcfs``, keeping the sufficient ``statistics``), the sampled peak-hour windows
(``windows``) and ``simdata capacity``; ``draws`` and ``arrivals`` give both engines the
same requests; ``latency_table`` is the latency histogram frame.
"""
